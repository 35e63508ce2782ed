"""Browser journey: issue an invoice, record a receipt and allocate it, see the ageing."""

import datetime
import re
from decimal import Decimal as D

import pytest
from django.utils import timezone

from cpahub.billing.models import Invoice, Receipt
from cpahub.practice.models import FirmSettings
from cpahub.testing.billing import agreement, approved_time
from cpahub.testing.browser import login_as, screenshot
from cpahub.testing.practice import firm_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SLOW_MACHINE_MS = 60_000  # shared CI machines: first page loads can take well over 15 s


def plain(text: str) -> str:
    """Amounts without grouping (the Chinese locale writes none)."""
    return text.replace(",", "").strip()


@pytest.fixture
def world():
    w = firm_world()
    agreement(w.finance_a, w.engagement_a, "fixed", D("80000"), payment_days=20)
    settings = FirmSettings.for_firm(w.firm_a)
    settings.letterhead_name = "江西华信会计师事务所有限公司"
    settings.bank_name = "中国工商银行南昌分行营业部"
    settings.bank_account = "1502201009000123456"
    settings.save()
    for days, person in ((10, w.auditor_a), (45, w.manager_a), (200, w.assistant_a)):
        approved_time(w.engagement_a, person, timezone.localdate() - datetime.timedelta(days=days), "8")
    return w


def test_finance_issues_an_invoice_records_a_receipt_and_sees_the_ageing(page, live_server, world):
    w = world
    issued_on = timezone.localdate() - datetime.timedelta(days=60)  # due 20 days later: 40 days past due
    page.set_default_timeout(SLOW_MACHINE_MS)
    login_as(page, live_server, w.finance_a)

    page.goto(f"{live_server.url}/billing/invoices/add/?engagement={w.engagement_a.pk}")
    page.fill("input[name=description]", "2025年度财务报表审计费")
    page.fill("input[name=amount]", "30000")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/billing/invoices/\d+/$"))
    invoice = Invoice.objects.get()
    assert plain(page.get_by_test_id("gross").inner_text()) == "31800.00"
    screenshot(page, "billing-invoice-draft")

    issue = page.get_by_test_id("issue-form")
    issue.locator("input[name=issue_date]").fill(issued_on.isoformat())
    issue.locator("input[name=e_invoice_number]").fill(f"{issued_on.year % 100:02d}362000000000012345")
    issue.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(rf"/billing/invoices/{invoice.pk}/$"))
    invoice.refresh_from_db()
    assert invoice.number == f"{issued_on.year}-00001"
    assert page.get_by_test_id("invoice-number").inner_text() == invoice.number
    assert plain(page.get_by_test_id("open-amount").inner_text()) == "31800.00"
    screenshot(page, "billing-invoice-issued")

    pdf = page.request.get(f"{live_server.url}/billing/invoices/{invoice.pk}/pdf/")
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"

    page.locator(f"a[href^='/billing/receipts/add/?client={w.client_a.pk}']").click()
    page.fill("input[name=date]", timezone.localdate().isoformat())
    page.fill("input[name=amount]", "20000")
    page.fill("input[name=bank_reference]", "HX20261126001")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/billing/receipts/\d+/$"))
    form = page.get_by_test_id("allocation-form")
    assert form.locator("input[name=amount]").input_value() == "20000.00"
    screenshot(page, "billing-receipt-allocate")
    form.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"/billing/receipts/\d+/$"))
    assert plain(page.get_by_test_id("unallocated").inner_text()) == "0.00"
    assert page.get_by_test_id("allocations").get_by_text(invoice.number).is_visible()
    assert Receipt.objects.get().allocations.get().invoice == invoice
    invoice.refresh_from_db()
    assert invoice.status == "part_paid"

    page.goto(f"{live_server.url}/billing/ageing/")
    row = page.get_by_test_id("ageing-table").locator("tbody tr").first
    cells = row.locator("td").all_inner_texts()
    assert cells[0] == w.client_a.name
    assert [plain(cell) for cell in cells[1:7]] == ["0.00", "11800.00", "0.00", "0.00", "0.00", "11800.00"]
    page.wait_for_selector("[data-chart] svg")
    screenshot(page, "billing-ageing")
    assert page.request.get(f"{live_server.url}/billing/ageing/?export=xlsx").status == 200

    page.goto(f"{live_server.url}/billing/wip/")  # 8 h × 500 + 8 h × 800 + 8 h × 300 − 30,000 billed
    total = page.get_by_test_id("wip-total").locator("td").all_inner_texts()
    assert [plain(cell) for cell in total[1:3]] == ["24.00", "12800.00"]
    assert plain(total[7]) == "-17200.00"
    screenshot(page, "billing-wip")


def test_the_ageing_and_an_invoice_on_a_phone(phone_page, live_server, world):
    w = world
    phone_page.set_default_timeout(SLOW_MACHINE_MS)
    login_as(phone_page, live_server, w.finance_a)
    phone_page.goto(f"{live_server.url}/billing/invoices/add/?engagement={w.engagement_a.pk}")
    phone_page.fill("input[name=amount]", "1000")
    phone_page.locator("main form button[type=submit]").click()
    phone_page.wait_for_url(re.compile(r"/billing/invoices/\d+/$"))
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 400
    screenshot(phone_page, "billing-invoice-phone")
    phone_page.goto(f"{live_server.url}/billing/wip/")
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 400
    screenshot(phone_page, "billing-wip-phone")


def test_staff_and_other_firms_see_no_billing(page, live_server, world):
    w = world
    page.set_default_timeout(SLOW_MACHINE_MS)
    login_as(page, live_server, w.auditor_a)
    page.goto(f"{live_server.url}/")
    assert page.locator("a[href='/billing/invoices/']").count() == 0
    assert page.goto(f"{live_server.url}/billing/wip/").status == 403
    login_as(page, live_server, w.partner_b)
    page.goto(f"{live_server.url}/billing/invoices/")
    assert w.client_a.name not in page.content()
