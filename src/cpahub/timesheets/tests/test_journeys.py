"""Browser journey: a staff member logs and submits a week, cannot approve it, the manager approves it."""

import re

import pytest

from cpahub.testing.browser import login_as, screenshot
from cpahub.timesheets.choices import Status
from cpahub.timesheets.models import TimeEntry, Timesheet

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
WEEK = "/time/week/2025-09-22/"
DAYS = ("20250922", "20250923", "20250924", "20250925", "20250926")


def cell(engagement, day, view="g"):
    return f"#{view}-h_{engagement.pk}_fieldwork_{day}"


def test_staff_logs_and_submits_a_week_and_the_manager_approves_it(page, live_server, w):
    engagement = w.engagement_a
    login_as(page, live_server, w.auditor_a)
    page.goto(f"{live_server.url}{WEEK}")
    add = page.get_by_test_id("add-line")
    add.locator("select[name=engagement]").select_option(str(engagement.pk))
    add.locator("select[name=task]").select_option("fieldwork")
    add.locator("button[type=submit]").click()
    page.wait_for_selector(cell(engagement, DAYS[0]))

    for day, hours in zip(DAYS, ("8", "8", "7.5", "8", "8.5"), strict=True):
        page.fill(cell(engagement, day), hours)
        page.press(cell(engagement, day), "Tab")  # change → HTMX saves the cell
    total = page.get_by_test_id("week-total").first
    page.wait_for_function("document.getElementById('g-wt').textContent.trim() === '40'")
    assert total.inner_text() == "40"

    # a day over 24 hours is refused, and says which cell
    page.fill(cell(engagement, DAYS[1]), "25")
    page.press(cell(engagement, DAYS[1]), "Tab")
    errors = page.get_by_test_id("sheet-errors")
    errors.locator(".alert-danger").wait_for()
    assert "09-23" in errors.inner_text()
    screenshot(page, "time-week-grid-error")
    page.fill(cell(engagement, DAYS[1]), "8")
    page.press(cell(engagement, DAYS[1]), "Tab")
    page.wait_for_function("!document.querySelector('#sheet-errors .alert-danger')")
    assert TimeEntry.objects.filter(user=w.auditor_a).count() == 5
    screenshot(page, "time-week-grid")

    page.get_by_test_id("submit-week").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("sheet-status").inner_text() in ("Submitted", "已提交")
    assert page.locator(cell(engagement, DAYS[0])).is_disabled()
    sheet = Timesheet.objects.get(user=w.auditor_a)

    # the staff member cannot approve their own week: no button, nothing waiting, a forged post refused
    page.goto(f"{live_server.url}/time/sheets/{sheet.pk}/")
    assert page.get_by_test_id(f"approve-sheet-{sheet.pk}").count() == 0
    page.goto(f"{live_server.url}/time/approvals/")
    assert page.get_by_test_id(f"approval-{sheet.pk}").count() == 0
    token = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    forged = page.request.post(
        f"{live_server.url}/time/sheets/{sheet.pk}/decide/",
        form={"decision": "approve"},
        headers={"X-CSRFToken": token, "Referer": f"{live_server.url}/time/approvals/"},
    )
    assert forged.status == 403
    assert Timesheet.objects.get(pk=sheet.pk).status == Status.SUBMITTED

    # the engagement manager approves it from the queue
    login_as(page, live_server, w.manager_a)
    page.goto(f"{live_server.url}/time/approvals/")
    card = page.get_by_test_id(f"approval-{sheet.pk}")
    assert str(w.auditor_a) in card.inner_text()
    screenshot(page, "time-approvals")
    card.get_by_test_id(f"approve-sheet-{sheet.pk}").click()
    page.wait_for_url(re.compile(r"/time/approvals/"))
    assert page.get_by_test_id(f"approval-{sheet.pk}").count() == 0
    assert Timesheet.objects.get(pk=sheet.pk).status == Status.APPROVED
    assert set(TimeEntry.objects.values_list("charge_rate", flat=True)) == {500}

    page.goto(f"{live_server.url}/time/sheets/{sheet.pk}/")
    assert page.get_by_test_id("reopen-form").is_visible()
    screenshot(page, "time-sheet-approved")

    # back to the staff member: the week is locked
    login_as(page, live_server, w.auditor_a)
    page.goto(f"{live_server.url}{WEEK}")
    assert page.locator(cell(engagement, DAYS[0])).is_disabled()
    assert page.get_by_test_id("submit-week").count() == 0


def test_the_timesheet_on_a_phone_is_a_day_list(phone_page, live_server, w):
    page = phone_page
    engagement = w.engagement_a
    login_as(page, live_server, w.auditor_a)
    page.goto(f"{live_server.url}{WEEK}?day=2025-09-24")
    add = page.get_by_test_id("add-line")
    add.locator("select[name=engagement]").select_option(str(engagement.pk))
    add.locator("button[type=submit]").click()
    page.wait_for_load_state()
    page.goto(f"{live_server.url}{WEEK}?day=2025-09-24")
    assert not page.get_by_test_id("week-grid").is_visible()
    hours = page.locator(cell(engagement, "20250924", view="d"))
    hours.fill("6")
    hours.press("Tab")
    note = page.locator(f"#d-n_{engagement.pk}_fieldwork_20250924")
    note.fill("应收账款函证")
    note.press("Tab")
    page.wait_for_function("document.getElementById('d-wt').textContent.trim() === '6'")
    page.wait_for_timeout(300)
    entry = TimeEntry.objects.get()
    assert (str(entry.date), entry.hours, entry.note) == ("2025-09-24", 6, "应收账款函证")
    assert page.evaluate("document.documentElement.scrollWidth") <= 400
    screenshot(page, "time-day-list-phone")
