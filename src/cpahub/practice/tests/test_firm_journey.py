"""One journey across the firm system, through the pages in headless Chromium (Chinese interface):
a new client, its audit accepted at high risk through three approvals, the team and fieldwork, a week
of time approved by the manager, fees invoiced and collected — and firm B sees none of it.

Only people, grades and staff profiles are set up directly (`firm_world`); everything else is done
on the pages, each step by the person whose job it is.
"""

import re

import pytest
from django.utils import timezone, translation

from cpahub.billing.choices import InvoiceStatus
from cpahub.billing.models import Invoice, Receipt
from cpahub.clients.models import Client
from cpahub.engagements.choices import AcceptanceStatus
from cpahub.engagements.choices import Status as EngagementStatus
from cpahub.engagements.models import Engagement, IndependenceDeclaration
from cpahub.engagements.services import lifecycle
from cpahub.testing.browser import login_as, screenshot
from cpahub.testing.factories import credit_code
from cpahub.testing.practice import firm_world
from cpahub.timesheets.choices import Status as TimeStatus
from cpahub.timesheets.models import TimeEntry, Timesheet

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SLOW_MACHINE_MS = 60_000  # shared machines: first page loads can take well over 15 s

CLIENT_NAME = "赣州稀土新材料股份有限公司"
CLIENT_CODE = credit_code(8801)
# A fixed past week, as the timesheet journey does: nothing depends on today's weekday.
WEEK = "/time/week/2025-09-22/"
DAYS = ("20250922", "20250923", "20250924", "20250925", "20250926")
HOURS = ("8", "8", "7.5", "8", "8.5")
# Audit questionnaire: the top answers of fee (5), public interest (4), litigation (5) and scope (6)
# score 20, high risk from 20 (the engagement journey's choice).
HIGH_ANSWERS = (5, 6, 7, 8)


def zh(label) -> str:
    with translation.override("zh-hans"):
        return str(label)


def plain(text: str) -> str:
    """Amounts without grouping separators."""
    return text.replace(",", "").strip()


def as_user(page, live_server, user):
    page.context.clear_cookies()
    login_as(page, live_server, user)


def csrf_post(page, live_server, path, form, referer="/"):
    """A POST made outside the page's forms, with a valid CSRF token: only permissions can refuse it."""
    token = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    return page.request.post(
        f"{live_server.url}{path}",
        form=form,
        headers={"X-CSRFToken": token, "Referer": f"{live_server.url}{referer}"},
        max_redirects=0,
    )


def post_and_reload(page, button):
    """Click a button whose form posts and comes back to the same address, and wait for the new page
    (waiting for the address alone would return at once)."""
    with page.expect_navigation():
        button.click()


def declare_independent(page):
    form = page.get_by_test_id("declaration-form")
    form.locator("input[name=independent][value='1']").check()
    post_and_reload(page, form.locator("button[type=submit]"))


def approve_acceptance(page, live_server, engagement, user, comment, declare=True):
    as_user(page, live_server, user)
    page.goto(f"{live_server.url}/engagements/{engagement.pk}/acceptance/")
    if declare:
        declare_independent(page)
    form = page.get_by_test_id("decision-form")
    form.locator("input[name=decision][value=approved]").check()
    form.locator("textarea[name=comment]").fill(comment)
    post_and_reload(page, form.locator("button[type=submit]"))
    assert page.url.endswith(f"/engagements/{engagement.pk}/acceptance/")


def step_button(page, name):
    return page.get_by_test_id("steps").get_by_text(zh(lifecycle.STEPS[name].label), exact=True)


def take_step(page, live_server, engagement, name):
    page.goto(f"{live_server.url}/engagements/{engagement.pk}/")
    step_button(page, name).click()
    page.wait_for_url(re.compile(rf"/engagements/{engagement.pk}/step/{name}/$"))
    page.get_by_test_id("confirm-step").click()
    page.wait_for_url(re.compile(rf"/engagements/{engagement.pk}/$"))


def cell(engagement, day):
    return f"#g-h_{engagement.pk}_fieldwork_{day}"


def test_a_client_from_acceptance_to_cash_and_firm_b_sees_none_of_it(page, live_server, settings):
    settings.LANGUAGE_CODE = "zh-hans"  # the firm's questionnaire is seeded in the site's language
    page.set_default_timeout(SLOW_MACHINE_MS)
    w = firm_world()
    url = live_server.url

    # 1. The partner creates the client: a wrong check digit is refused, then a valid code is saved.
    as_user(page, live_server, w.partner_a)
    page.goto(f"{url}/clients/")
    page.get_by_test_id("add-client").click()
    page.wait_for_url(re.compile(r"/clients/add/$"))
    page.fill("input[name=name]", CLIENT_NAME)
    wrong_digit = "0" if CLIENT_CODE[-1] != "0" else "1"
    page.fill("input[name=credit_code]", CLIENT_CODE[:-1] + wrong_digit)
    page.select_option("select[name=industry]", "32")
    page.select_option("select[name=ownership]", "private")
    page.select_option("select[name=city]", "360700")
    page.get_by_test_id("save").click()
    assert "校验码" in page.locator("input[name=credit_code] ~ .invalid-feedback").inner_text()
    assert not Client.objects.filter(name=CLIENT_NAME).exists()
    page.fill("input[name=credit_code]", CLIENT_CODE)
    screenshot(page, "firm-journey-01-client-form")
    page.get_by_test_id("save").click()
    page.wait_for_url(re.compile(r"/clients/\d+/$"))
    client = Client.objects.get(name=CLIENT_NAME)
    assert (client.firm, client.credit_code, client.industry_section) == (w.firm_a, CLIENT_CODE, "C")
    profile = page.get_by_test_id("profile").inner_text()
    assert "32 有色金属冶炼和压延加工业" in profile and "C 制造业" in profile and CLIENT_CODE in profile
    screenshot(page, "firm-journey-02-client")

    # 2. The partner opens the annual audit for it, naming themselves and the manager.
    page.goto(f"{url}/engagements/add/?client={client.pk}")
    assert page.locator("select[name=client]").input_value() == str(client.pk)
    page.select_option("select[name=type]", "fs_audit")
    page.fill("input[name=period_start]", "2025-01-01")
    page.fill("input[name=period_end]", "2025-12-31")
    page.select_option("select[name=partner]", str(w.partner_a.pk))
    page.select_option("select[name=manager]", str(w.manager_a.pk))
    page.fill("input[name=report_due]", "2026-04-30")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/engagements/\d+/$"))
    engagement = Engagement.objects.get(client=client)
    assert page.get_by_test_id("status").inner_text() == zh(EngagementStatus.PROPOSED.label)
    page.goto(f"{url}/clients/{client.pk}/")
    assert page.get_by_test_id("engagements").get_by_text(engagement.code).is_visible()

    # The manager answers the questionnaire so that the risk comes out high, and submits it.
    as_user(page, live_server, w.manager_a)
    page.goto(f"{url}/engagements/{engagement.pk}/acceptance/")
    questions = page.get_by_test_id("questionnaire").locator("fieldset")
    for index in range(questions.count()):
        radios = questions.nth(index).locator("input[type=radio]")
        (radios.last if index in HIGH_ANSWERS else radios.first).check()
    page.fill("textarea[name=conclusion]", "拟上市公司，收费偏低，存在未决诉讼，需风控质量合伙人审批。")
    post_and_reload(page, page.get_by_test_id("submit-acceptance"))
    assert page.get_by_test_id("risk").inner_text() == "高风险"
    assert page.get_by_test_id("score").inner_text() == "20"
    screenshot(page, "firm-journey-03-acceptance-submitted")

    # Fieldwork cannot start while the acceptance waits: no such step, the step's page says why and
    # offers no confirm button, and a POST made anyway is refused.
    as_user(page, live_server, w.partner_a)
    page.goto(f"{url}/engagements/{engagement.pk}/")
    assert step_button(page, "start_fieldwork").count() == 0
    assert step_button(page, "plan").count() == 0
    step_page = f"/engagements/{engagement.pk}/step/start_fieldwork/"
    page.goto(f"{url}{step_page}")
    refusal = page.get_by_test_id("step-refusal").inner_text()
    assert zh(lifecycle.STEPS["start_fieldwork"].label) in refusal
    assert zh(EngagementStatus.PROPOSED.label) in refusal
    assert page.get_by_test_id("confirm-step").count() == 0
    screenshot(page, "firm-journey-04-fieldwork-refused")
    assert csrf_post(page, live_server, step_page, {"comment": ""}, referer=step_page).status == 400
    engagement.refresh_from_db()
    assert engagement.status == EngagementStatus.PROPOSED

    # Approvals manager → partner → risk and quality partner, each on the page. Nobody approves before
    # the whole team has declared independence: the partner declares now, the manager before deciding.
    page.goto(f"{url}/engagements/{engagement.pk}/acceptance/")
    assert page.get_by_test_id("decision-form").count() == 0  # the manager's level comes first
    declare_independent(page)
    approve_acceptance(page, live_server, engagement, w.manager_a, "同意承接，已与前任注册会计师沟通。")
    approve_acceptance(
        page, live_server, engagement, w.partner_a, "同意，收费须在业务约定书中说明。", declare=False
    )
    engagement.refresh_from_db()
    assert engagement.status == EngagementStatus.PROPOSED  # high risk: the quality partner decides last
    as_user(page, live_server, w.quality_a)
    page.goto(f"{url}/engagements/todo/")
    page.get_by_test_id("todo-approvals").get_by_role("link").first.click()
    page.wait_for_url(re.compile(rf"/engagements/{engagement.pk}/acceptance/$"))
    approve_acceptance(page, live_server, engagement, w.quality_a, "风险可控，同意承接。", declare=False)
    assert page.get_by_test_id("acceptance-status").inner_text() == zh(AcceptanceStatus.APPROVED.label)
    assert page.get_by_test_id("status").inner_text() == zh(EngagementStatus.ACCEPTED.label)
    assert page.get_by_test_id("approvals").inner_text().count(zh(AcceptanceStatus.APPROVED.label)) == 3
    screenshot(page, "firm-journey-05-acceptance-approved")

    # 3. The manager puts a staff member on the team (the manager is on it as named) and plans.
    as_user(page, live_server, w.manager_a)
    page.goto(f"{url}/engagements/{engagement.pk}/team/")
    team = page.get_by_test_id("team-table")
    assert str(w.manager_a) in team.inner_text()
    add_row = page.get_by_test_id("team-form-row")
    add_row.locator("select[name=new-user]").select_option(str(w.auditor_a.pk))
    add_row.locator("select[name=new-role]").select_option("staff")
    page.get_by_test_id("team-add").click()
    page.wait_for_function(
        "document.querySelectorAll('[data-testid=team-table] tbody tr[id^=team-]:not([id$=new])').length === 3"
    )
    assert str(w.auditor_a) in team.inner_text()
    screenshot(page, "firm-journey-06-team")
    take_step(page, live_server, engagement, "plan")
    assert page.get_by_test_id("status").inner_text() == zh(EngagementStatus.PLANNED.label)

    # Fieldwork waits for the new member's declaration: the step is shown but locked, with why.
    locked = step_button(page, "start_fieldwork")
    assert locked.is_disabled() and str(w.auditor_a) in locked.get_attribute("title")
    screenshot(page, "firm-journey-07-fieldwork-locked")
    as_user(page, live_server, w.auditor_a)
    page.goto(f"{url}/engagements/todo/")
    page.get_by_test_id("todo-declarations").get_by_text(engagement.code).click()
    page.wait_for_url(re.compile(rf"/engagements/{engagement.pk}/acceptance/$"))
    declare_independent(page)
    assert IndependenceDeclaration.objects.filter(engagement=engagement, independent=True).count() == 3

    as_user(page, live_server, w.manager_a)
    take_step(page, live_server, engagement, "start_fieldwork")
    assert page.get_by_test_id("status").inner_text() == zh(EngagementStatus.FIELDWORK.label)
    screenshot(page, "firm-journey-08-fieldwork")

    # 4. The staff member logs a week of fieldwork on it and submits the week.
    as_user(page, live_server, w.auditor_a)
    page.goto(f"{url}{WEEK}")
    add = page.get_by_test_id("add-line")
    add.locator("select[name=engagement]").select_option(str(engagement.pk))
    add.locator("select[name=task]").select_option("fieldwork")
    add.locator("button[type=submit]").click()
    page.wait_for_selector(cell(engagement, DAYS[0]))
    for day, hours in zip(DAYS, HOURS, strict=True):
        page.fill(cell(engagement, day), hours)
        page.press(cell(engagement, day), "Tab")  # change → HTMX saves the cell
    page.wait_for_function("document.getElementById('g-wt').textContent.trim() === '40'")
    screenshot(page, "firm-journey-09-week")
    post_and_reload(page, page.get_by_test_id("submit-week"))
    assert page.get_by_test_id("sheet-status").inner_text() == zh(TimeStatus.SUBMITTED.label)
    sheet = Timesheet.objects.get(user=w.auditor_a)
    assert sheet.entries.filter(engagement=engagement).count() == 5

    # They cannot approve their own week: no control, nothing waiting, a forged post refused.
    page.goto(f"{url}/time/sheets/{sheet.pk}/")
    assert page.get_by_test_id(f"approve-sheet-{sheet.pk}").count() == 0
    page.goto(f"{url}/time/approvals/")
    assert page.get_by_test_id(f"approval-{sheet.pk}").count() == 0
    forged = csrf_post(
        page, live_server, f"/time/sheets/{sheet.pk}/decide/", {"decision": "approve"}, "/time/approvals/"
    )
    assert forged.status == 403
    assert Timesheet.objects.get(pk=sheet.pk).status == TimeStatus.SUBMITTED

    # The engagement manager approves it from the queue.
    as_user(page, live_server, w.manager_a)
    page.goto(f"{url}/time/approvals/")
    card = page.get_by_test_id(f"approval-{sheet.pk}")
    assert str(w.auditor_a) in card.inner_text() and engagement.code in card.inner_text()
    screenshot(page, "firm-journey-10-time-approvals")
    post_and_reload(page, card.get_by_test_id(f"approve-sheet-{sheet.pk}"))
    assert page.get_by_test_id(f"approval-{sheet.pk}").count() == 0
    assert Timesheet.objects.get(pk=sheet.pk).status == TimeStatus.APPROVED
    approved = TimeEntry.objects.filter(engagement=engagement, status=TimeStatus.APPROVED)
    assert (approved.count(), set(approved.values_list("approved_by", flat=True))) == (5, {w.manager_a.pk})

    # 5. Finance records the fee agreement: a fixed fee of 50,000 before VAT.
    as_user(page, live_server, w.finance_a)
    page.goto(f"{url}/billing/agreements/add/?engagement={engagement.pk}")
    page.select_option("select[name=basis]", "fixed")
    page.fill("input[name=amount]", "50000")
    page.fill("input[name=payment_days]", "30")
    page.fill("input[name=letter_number]", "赣信审约〔2025〕88号")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/billing/agreements/\d+/$"))
    year = timezone.localdate().year

    # Two invoices, with a discarded draft between them: issued numbers run on without a gap.
    first = issue_invoice(page, live_server, engagement, "2025年度审计费（预收）", "30000")
    assert first.number == f"{year}-00001" and plain(page.get_by_test_id("gross").inner_text()) == "31800.00"
    screenshot(page, "firm-journey-11-invoice-issued")
    page.goto(f"{url}/billing/invoices/add/?engagement={engagement.pk}")
    page.fill("input[name=amount]", "100")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/billing/invoices/\d+/$"))
    page.locator("form[action$='/delete/'] button[type=submit]").click()
    page.wait_for_url(re.compile(r"/billing/invoices/$"))
    second = issue_invoice(page, live_server, engagement, "2025年度审计费（尾款）", "20000")
    assert second.number == f"{year}-00002"
    assert list(Invoice.objects.exclude(number="").order_by("number").values_list("number", flat=True)) == [
        f"{year}-00001",
        f"{year}-00002",
    ]
    page.goto(f"{url}/billing/invoices/?q={engagement.code}")
    listed = page.get_by_test_id("object-table").inner_text()
    assert first.number in listed and second.number in listed

    # Before the money comes in, the ageing shows the whole 53,000 as current.
    page.goto(f"{url}/billing/ageing/")
    row = page.get_by_test_id("ageing-table").locator("tbody tr", has_text=CLIENT_NAME)
    cells = row.locator("td").all_inner_texts()
    assert [plain(cell) for cell in cells[1:7]] == ["53000.00", "0.00", "0.00", "0.00", "0.00", "53000.00"]

    # The client pays both; finance records the receipt and allocates it, oldest invoice first.
    page.goto(f"{url}/billing/invoices/{second.pk}/")
    page.locator(f"a[href^='/billing/receipts/add/?client={client.pk}']").click()
    page.wait_for_url(re.compile(r"/billing/receipts/add/"))
    page.fill("input[name=date]", timezone.localdate().isoformat())
    page.fill("input[name=amount]", "53000")
    page.fill("input[name=bank_reference]", "GZXT20261127001")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/billing/receipts/\d+/$"))
    receipt = Receipt.objects.get()
    form = page.get_by_test_id("allocation-form")
    assert form.locator("select[name=invoice]").input_value() == str(first.pk)
    form.locator("input[name=amount]").fill("31800")
    post_and_reload(page, form.locator("button[type=submit]"))
    form = page.get_by_test_id("allocation-form")
    assert form.locator("select[name=invoice]").input_value() == str(second.pk)
    assert form.locator("input[name=amount]").input_value() == "21200.00"
    post_and_reload(page, form.locator("button[type=submit]"))
    assert plain(page.get_by_test_id("unallocated").inner_text()) == "0.00"
    allocations = page.get_by_test_id("allocations").inner_text()
    assert first.number in allocations and second.number in allocations
    screenshot(page, "firm-journey-12-receipt-allocated")

    for invoice in (first, second):
        page.goto(f"{url}/billing/invoices/{invoice.pk}/")
        assert page.get_by_test_id("status").inner_text() == zh(InvoiceStatus.PAID.label)
        assert plain(page.get_by_test_id("open-amount").inner_text()) == "0.00"
    screenshot(page, "firm-journey-13-invoice-paid")
    api = page.request.get(f"{url}/api/billing/invoices/{first.pk}/")
    assert api.status == 200 and api.json()["number"] == first.number  # what firm B will not get
    page.goto(f"{url}/billing/ageing/")
    assert page.get_by_test_id("ageing-table").locator("tbody tr", has_text=CLIENT_NAME).count() == 0
    screenshot(page, "firm-journey-14-ageing")

    # 6. A partner of firm B finds nothing of it, by address, in the lists or by searching.
    as_user(page, live_server, w.partner_b)
    hidden = (
        f"/clients/{client.pk}/",
        f"/clients/{client.pk}/edit/",
        f"/engagements/{engagement.pk}/",
        f"/engagements/{engagement.pk}/acceptance/",
        f"/engagements/{engagement.pk}/team/",
        f"/time/sheets/{sheet.pk}/",
        f"/billing/agreements/{engagement.fee_agreement.pk}/",
        f"/billing/invoices/{first.pk}/",
        f"/billing/invoices/{first.pk}/pdf/",
        f"/billing/receipts/{receipt.pk}/",
    )
    for path in hidden:
        response = page.goto(f"{url}{path}")
        assert response.status in (403, 404), path
        assert CLIENT_NAME not in page.content(), path
    screenshot(page, "firm-journey-15-firm-b-not-found")
    lists = (
        f"/clients/?q={CLIENT_NAME[:4]}",
        "/clients/",
        f"/engagements/?q={engagement.code}",
        "/engagements/",
        "/engagements/todo/",
        "/time/approvals/",
        "/time/sheets/",
        f"/billing/invoices/?q={first.number}",
        "/billing/invoices/",
        "/billing/receipts/",
        "/billing/agreements/",
        "/billing/ageing/",
        "/billing/wip/",
        # the forms that take a client or engagement from the address, and the similar-name look-up
        f"/engagements/add/?client={client.pk}",
        f"/billing/agreements/add/?engagement={engagement.pk}",
        f"/billing/invoices/add/?engagement={engagement.pk}",
        f"/billing/receipts/add/?client={client.pk}",
        f"/clients/similar/?name={CLIENT_NAME}&firm={w.firm_a.pk}",
    )
    for path in lists:
        response = page.goto(f"{url}{path}")
        assert response.status == 200, path
        content = page.content()
        assert CLIENT_NAME not in content and CLIENT_CODE not in content, path
        for link in (
            f"/engagements/{engagement.pk}/",
            f"/time/sheets/{sheet.pk}/",
            f"/billing/invoices/{first.pk}/",
            f"/billing/invoices/{second.pk}/",
            f"/billing/receipts/{receipt.pk}/",
        ):
            assert f'href="{link}"' not in content, (path, link)
    page.goto(f"{url}/billing/invoices/?q={first.number}")
    screenshot(page, "firm-journey-16-firm-b-invoices")

    # The API under the same session gives nothing either.
    for path in (
        f"/api/clients/clients/{client.pk}/",
        f"/api/engagements/engagements/{engagement.pk}/",
        f"/api/time/sheets/{sheet.pk}/",
        f"/api/billing/invoices/{first.pk}/",
        f"/api/billing/receipts/{receipt.pk}/",
    ):
        assert page.request.get(f"{url}{path}").status == 404, path
    for path in ("/api/clients/clients/", "/api/engagements/engagements/", "/api/billing/invoices/"):
        answer = page.request.get(f"{url}{path}")
        assert answer.status == 200 and CLIENT_NAME not in answer.text(), path

    # Nor can they act on it with a forged post.
    page.goto(f"{url}/time/approvals/")  # a page with a form: the CSRF cookie is set
    for path, form in (
        (f"/time/sheets/{sheet.pk}/reopen/", {"reason": "x"}),
        (f"/engagements/{engagement.pk}/step/submit_review/", {"comment": "x"}),
        (f"/billing/receipts/{receipt.pk}/delete/", {}),
    ):
        assert csrf_post(page, live_server, path, form).status in (403, 404), path
    assert Receipt.objects.filter(pk=receipt.pk).exists()
    engagement.refresh_from_db()
    assert engagement.status == EngagementStatus.FIELDWORK


def issue_invoice(page, live_server, engagement, description, amount) -> Invoice:
    """Finance drafts a one-line invoice for the engagement on its page and issues it today."""
    page.goto(f"{live_server.url}/billing/invoices/add/?engagement={engagement.pk}")
    page.fill("input[name=description]", description)
    page.fill("input[name=amount]", amount)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/billing/invoices/\d+/$"))
    pk = int(re.search(r"/billing/invoices/(\d+)/$", page.url).group(1))
    issue = page.get_by_test_id("issue-form")
    issue.locator("input[name=issue_date]").fill(timezone.localdate().isoformat())
    post_and_reload(page, issue.locator("button[type=submit]"))
    assert page.url.endswith(f"/billing/invoices/{pk}/")
    invoice = Invoice.objects.get(pk=pk)
    assert page.get_by_test_id("invoice-number").inner_text() == invoice.number
    return invoice
