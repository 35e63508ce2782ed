import datetime
import io
from decimal import Decimal as D

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from cpahub.billing.choices import InvoiceStatus
from cpahub.billing.models import Allocation, Expense, FeeAgreement, Invoice, Receipt
from cpahub.billing.services import costs
from cpahub.testing.billing import agreement, approved_time, issued_invoice
from cpahub.testing.factories import login_verified

pytestmark = pytest.mark.django_db
DAY = datetime.date(2025, 6, 30)


def sheet_rows(response):
    book = load_workbook(io.BytesIO(b"".join(getattr(response, "streaming_content", [response.content]))))
    return [list(row) for row in book.active.iter_rows(values_only=True)]


def test_finance_makes_an_agreement_and_the_contracted_fee_follows(client, w):
    login_verified(client, w.finance_a)
    response = client.post(
        reverse("billing:agreement_add"),
        {
            "engagement": w.engagement_a.pk,
            "basis": "fixed",
            "amount": "80000",
            "tax_rate": "0.06",
            "payment_days": 30,
        },
    )
    fee = FeeAgreement.objects.get(engagement=w.engagement_a)
    assert response.status_code == 302 and response.url == fee.get_absolute_url()
    w.engagement_a.refresh_from_db()
    assert w.engagement_a.contracted_fee == D("80000")
    client.post(
        reverse("billing:agreement_rate", args=[fee.pk]), {"grade": w.grades_a["S"].pk, "rate": "650"}
    )
    page = client.get(fee.get_absolute_url()).content.decode()
    assert "650" in page and "80,000.00" in page
    refused = client.post(
        reverse("billing:agreement_add"), {"engagement": w.engagement_b.pk, "basis": "fixed", "amount": "1"}
    )
    assert refused.status_code == 400  # firm B's engagement is not a choice


def test_an_invoice_from_draft_to_paid_through_the_pages(client, w):
    login_verified(client, w.finance_a)
    response = client.post(
        reverse("billing:invoice_add"),
        {"engagement": w.engagement_a.pk, "description": "2025年度审计费", "amount": "10000", "kind": "fee"},
    )
    invoice = Invoice.objects.get()
    assert response.url == invoice.get_absolute_url() and invoice.gross_amount == D("10600.00")
    client.post(
        reverse("billing:invoice_line", args=[invoice.pk]),
        {"engagement": w.engagement_a.pk, "kind": "expenses", "description": "差旅费", "amount": "380"},
    )
    response = client.post(reverse("billing:invoice_issue", args=[invoice.pk]), {"issue_date": "2025-06-30"})
    invoice.refresh_from_db()
    assert (invoice.status, invoice.number, invoice.gross_amount) == ("issued", "2025-00001", D("11002.80"))
    bad = client.post(reverse("billing:invoice_e_number", args=[invoice.pk]), {"e_invoice_number": "123"})
    assert bad.status_code == 400 and "20 digits" in bad.content.decode()
    client.post(
        reverse("billing:invoice_e_number", args=[invoice.pk]), {"e_invoice_number": "25362000000001234567"}
    )
    client.post(
        reverse("billing:receipt_add"),
        {
            "client": w.client_a.pk,
            "date": "2025-07-10",
            "amount": "20000",
            "method": "bank",
            "bank_reference": "B1",
        },
    )
    receipt = Receipt.objects.get()
    over = client.post(
        reverse("billing:receipt_allocate", args=[receipt.pk]), {"invoice": invoice.pk, "amount": "11002.81"}
    )
    assert over.status_code == 400 and "still open" in over.content.decode()
    client.post(
        reverse("billing:receipt_allocate", args=[receipt.pk]), {"invoice": invoice.pk, "amount": "11002.80"}
    )
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID and Allocation.objects.count() == 1
    page = client.get(receipt.get_absolute_url()).content.decode()
    assert "8,997.20" in page  # unallocated
    listing = client.get(reverse("billing:receipt_list"), {"open": "true"})
    assert "8,997.20" in listing.content.decode()


def test_a_credit_note_and_a_cancellation_through_the_pages(client, w):
    login_verified(client, w.finance_a)
    first = issued_invoice(w.finance_a, w.engagement_a, "1000", issue_date=DAY)
    second = issued_invoice(w.finance_a, w.engagement_a, "1000", issue_date=DAY)
    too_much = client.post(
        reverse("billing:invoice_credit", args=[first.pk]),
        {
            "engagement": w.engagement_a.pk,
            "kind": "fee",
            "amount": "1060.01",
            "date": "2025-07-01",
            "reason": "x",
        },
    )
    assert too_much.status_code == 400
    client.post(
        reverse("billing:invoice_credit", args=[first.pk]),
        {
            "engagement": w.engagement_a.pk,
            "kind": "fee",
            "amount": "1060",
            "date": "2025-07-01",
            "reason": "开错",
        },
    )
    client.post(
        reverse("billing:invoice_cancel", args=[second.pk]), {"reason": "作废重开", "on": "2025-07-01"}
    )
    assert dict(Invoice.objects.values_list("pk", "status")) == {first.pk: "credited", second.pk: "cancelled"}


def test_the_invoice_list_filters_and_exports(client, w):
    issued_invoice(w.finance_a, w.engagement_a, "1000", issue_date=DAY)
    issued_invoice(w.partner_b, w.engagement_b, "999", issue_date=DAY)
    login_verified(client, w.finance_a)
    rows = sheet_rows(client.get(reverse("billing:invoice_list"), {"export": "xlsx", "status": "issued"}))
    assert len(rows) == 2 and rows[1][0] == "2025-00001" and rows[1][6] == "1,060.00"


def test_the_pdf_has_the_letterhead_the_amount_and_chinese_text(client, w):
    from pypdf import PdfReader

    from cpahub.practice.models import FirmSettings

    settings = FirmSettings.for_firm(w.firm_a)
    settings.letterhead_name = "江西华信会计师事务所有限公司"
    settings.letterhead_address = "南昌市红谷滩区丰和中大道1188号"
    settings.bank_name = "中国工商银行南昌分行营业部"
    settings.bank_account = "1502201009000123456"
    settings.save()
    invoice = issued_invoice(w.finance_a, w.engagement_a, "10000", issue_date=DAY)
    login_verified(client, w.finance_a)
    response = client.get(reverse("billing:invoice_pdf", args=[invoice.pk]))
    assert response["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    for expected in (
        "江西华信会计师事务所有限公司",
        "丰和中大道",
        "2025-00001",
        "10,600.00",
        "壹万零陆佰元整",
        "1502201009000123456",
    ):
        assert expected in text
    assert w.client_a.name in text


def test_a_missing_font_gives_a_clear_page(client, w, settings, tmp_path):
    settings.CPAHUB_INVOICE_FONT = tmp_path / "none.ttf"
    invoice = issued_invoice(w.finance_a, w.engagement_a, "1", issue_date=DAY)
    login_verified(client, w.finance_a)
    response = client.get(reverse("billing:invoice_pdf", args=[invoice.pk]))
    assert response.status_code == 503 and "fonts-wqy-microhei" in response.content.decode()
    (tmp_path / "broken.ttf").write_bytes(b"not a font")
    settings.CPAHUB_INVOICE_FONT = tmp_path / "broken.ttf"
    assert client.get(reverse("billing:invoice_pdf", args=[invoice.pk])).status_code == 503


def test_the_excel_invoice_carries_the_lines_and_totals(client, w):
    invoice = issued_invoice(w.finance_a, w.engagement_a, "100.05", issue_date=DAY)
    login_verified(client, w.finance_a)
    rows = sheet_rows(client.get(reverse("billing:invoice_xlsx", args=[invoice.pk])))
    flat = [cell for row in rows for cell in row if cell is not None]
    assert w.firm_a.name in flat and "2025-00001" in flat
    assert 106.05 in flat and 6.0 in flat


def test_reports_show_and_export(client, w):
    agreement(w.finance_a, w.engagement_a)
    approved_time(w.engagement_a, w.auditor_a, DAY, "8")
    issued_invoice(w.finance_a, w.engagement_a, "1000", issue_date=DAY, due_date=DAY)
    login_verified(client, w.finance_a)
    page = client.get(reverse("billing:wip"), {"as_of": "2025-07-31"})
    assert page.status_code == 200 and "3,000.00" in page.content.decode()  # 8 × 500 − 1000
    rows = sheet_rows(
        client.get(reverse("billing:wip"), {"as_of": "2025-07-31", "by": "partner", "export": "xlsx"})
    )
    assert rows[1][0] == str(w.partner_a) and rows[1][8] == 3000
    rows = sheet_rows(client.get(reverse("billing:ageing"), {"as_of": "2025-07-31", "export": "xlsx"}))
    assert rows[1][:3] == [w.client_a.name, 0, 1060]
    rows = sheet_rows(
        client.get(
            reverse("billing:realisation"), {"start": "2025-01-01", "end": "2025-12-31", "export": "xlsx"}
        )
    )
    assert rows[1][1:7] == [8, 4000, 1000, 0, 0.25, 0]
    assert (
        client.get(reverse("billing:realisation"), {"start": "2025-12-31", "end": "2025-01-01"}).status_code
        == 400
    )


def test_an_expense_is_approved_on_its_page(client, w):
    login_verified(client, w.finance_a)
    client.post(
        reverse("billing:expense_add"),
        {
            "engagement": w.engagement_a.pk,
            "date": "2025-06-01",
            "category": "travel",
            "description": "高铁",
            "amount": "380",
            "billable": "on",
        },
    )
    expense = Expense.objects.get()
    assert (
        client.post(reverse("billing:expense_decide", args=[expense.pk]), {"decision": "approve"}).status_code
        == 302
    )
    assert Expense.objects.get().status == "pending"  # finance recorded it; it cannot approve it
    client.force_login(w.manager_a)
    login_verified(client, w.manager_a)
    assert "decision-form" in client.get(expense.get_absolute_url()).content.decode()
    client.post(reverse("billing:expense_decide", args=[expense.pk]), {"decision": "approve"})
    assert Expense.objects.get().status == "approved"


def test_a_write_off_is_asked_for_and_approved_by_another_partner(client, w):
    login_verified(client, w.manager_a)
    client.post(
        reverse("billing:adjustment_add"),
        {
            "engagement": w.engagement_a.pk,
            "kind": "write_off",
            "amount": "500",
            "date": "2025-06-30",
            "reason": "超预算",
        },
    )
    asked = costs.WipAdjustment.objects.get()
    assert "decision-form" not in client.get(asked.get_absolute_url()).content.decode()
    login_verified(client, w.partner_a)
    client.post(reverse("billing:adjustment_decide", args=[asked.pk]), {"decision": "reject"})
    assert costs.WipAdjustment.objects.get().status == "pending"  # a rejection needs a note
    client.post(
        reverse("billing:adjustment_decide", args=[asked.pk]), {"decision": "approve", "note": "同意"}
    )
    assert costs.WipAdjustment.objects.get().status == "approved"


def test_report_pages_show_a_page_of_rows_and_the_total_of_all(client, w, monkeypatch):
    from cpahub.billing.views import reports as report_views

    monkeypatch.setattr(report_views, "PAGE_ROWS", 1)
    for engagement in (w.engagement_a, w.branch_engagement):
        agreement(w.finance_a, engagement)
        approved_time(
            engagement, w.branch_auditor if engagement.office_id == w.branch_a.pk else w.auditor_a, DAY, "8"
        )
    login_verified(client, w.finance_a)
    first = client.get(reverse("billing:wip"), {"as_of": "2025-07-31"})
    second = client.get(reverse("billing:wip"), {"as_of": "2025-07-31", "page": "2"})
    shown = [page.context["page_obj"].object_list[0].label for page in (first, second)]
    assert len(set(shown)) == 2 and len(first.context["report"].rows) == 2
    assert "page=2" in first.content.decode() and "8,000.00" in first.content.decode()  # total of both
    rows = sheet_rows(
        client.get(reverse("billing:wip"), {"as_of": "2025-07-31", "page": "2", "export": "xlsx"})
    )
    assert len(rows) == 4  # header, both engagements, total
