"""Pages: the weekly grid (HTMX and plain), approvals, week page, history, reports, the menu."""

import datetime
import io

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from cpahub.core.navigation import menu_for
from cpahub.engagements.models import BudgetLine
from cpahub.testing.factories import login_verified
from cpahub.testing.timesheets import MONDAY, book, week
from cpahub.timesheets import services
from cpahub.timesheets.choices import Status, Task
from cpahub.timesheets.models import TimeEntry, Timesheet

pytestmark = pytest.mark.django_db
WEEK = "/time/week/2025-09-22/"


def browser(user):
    client = Client()
    login_verified(client, user)
    return client


def cell(engagement, day, task="fieldwork"):
    return f"h_{engagement.pk if engagement else 0}_{task}_{day:%Y%m%d}"


def test_the_week_page_shows_lines_days_and_totals(w):
    week(w.auditor_a, engagement=w.engagement_a, hours=(8, 7.5))
    response = browser(w.auditor_a).get(WEEK)
    assert response.status_code == 200
    html = response.content.decode()
    assert w.engagement_a.code in html
    assert f'name="{cell(w.engagement_a, MONDAY)}" value="8"' in html
    assert '<span id="g-wt" data-testid="week-total">15.5</span>' in html
    assert 'data-testid="day-list"' in html  # the phone layout is there too


def test_any_day_opens_its_week_and_bad_dates_are_not_found(w):
    client = browser(w.auditor_a)
    assert client.get("/time/week/2025-09-24/").context["week"] == MONDAY
    assert client.get("/time/?week=2025-09-28").context["week"] == MONDAY
    assert client.get("/time/week/2025-13-01/").status_code == 404


def test_htmx_saves_a_cell_and_answers_with_the_totals(w):
    client = browser(w.auditor_a)
    services.add_row(w.auditor_a, MONDAY, w.engagement_a.pk, Task.FIELDWORK)
    response = client.post(
        f"{WEEK}save/",
        {cell(w.engagement_a, MONDAY): "7,5"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="sheet-errors",
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="g-wt" data-testid="week-total" hx-swap-oob="true">7.5<' in html
    assert TimeEntry.objects.get().hours == 7.5


def test_a_bad_cell_is_not_saved_and_the_error_names_it(w):
    client = browser(w.auditor_a)
    book(w.auditor_a, MONDAY, 20, engagement=w.engagement_a)
    book(w.auditor_a, MONDAY, 2, task=Task.ADMIN)
    data = {cell(w.engagement_a, MONDAY): "23"}
    response = client.post(f"{WEEK}save/", data, HTTP_HX_REQUEST="true")
    assert "at most 24" in response.content.decode() and "09-22" in response.content.decode()
    plain = client.post(f"{WEEK}save/", data)
    assert plain.status_code == 400
    assert 'value="23"' in plain.content.decode()  # what was typed is kept for correction
    assert TimeEntry.objects.get(task=Task.FIELDWORK).hours == 20


def test_lines_are_added_copied_and_removed(w):
    client = browser(w.auditor_a)
    response = client.post(f"{WEEK}lines/", {"engagement": w.engagement_a.pk, "task": "review"})
    assert response.status_code == 302
    sheet = Timesheet.objects.get()
    assert list(sheet.rows.values_list("task", flat=True)) == ["review"]
    client.post(f"{WEEK}lines/", {"task": "fieldwork"})  # chargeable without engagement: refused
    assert sheet.rows.count() == 1
    client.post(f"{WEEK}lines/remove/", {"remove": f"{w.engagement_a.pk}_review"})
    assert sheet.rows.count() == 0
    book(w.auditor_a, MONDAY, 2, task=Task.ADMIN)
    client.post("/time/week/2025-09-29/copy/")
    assert list(
        services.sheet_for(w.auditor_a, MONDAY + datetime.timedelta(days=7)).rows.values_list(
            "task", flat=True
        )
    ) == ["admin"]


def test_submit_and_the_locked_grid(w):
    week(w.auditor_a, engagement=w.engagement_a)
    client = browser(w.auditor_a)
    assert client.post(f"{WEEK}submit/").status_code == 302
    sheet = Timesheet.objects.get()
    assert sheet.status == Status.SUBMITTED
    html = client.get(WEEK).content.decode()
    assert 'data-testid="submit-week"' not in html
    assert "disabled" in html
    response = client.post(f"{WEEK}save/", {cell(w.engagement_a, MONDAY): "1"})
    assert response.status_code == 400
    assert TimeEntry.objects.filter(hours=8).count() == 5


def test_people_without_a_firm_cannot_open_a_timesheet(w):
    assert browser(w.assoc).get("/time/").status_code == 403
    assert Client().get("/time/").status_code == 302  # to the login page


def test_the_approvals_queue_and_decisions(w):
    services.submit(w.auditor_a, week(w.auditor_a, engagement=w.engagement_a))
    sheet = Timesheet.objects.get()
    manager = browser(w.manager_a)
    html = manager.get("/time/approvals/").content.decode()
    assert f'data-testid="approval-{sheet.pk}"' in html
    assert "40" in html
    assert (
        f'data-testid="approval-{sheet.pk}"'
        not in browser(w.auditor_a).get("/time/approvals/").content.decode()
    )
    assert 'data-testid="nothing-waiting"' in browser(w.manager_b).get("/time/approvals/").content.decode()
    response = manager.post(
        f"/time/sheets/{sheet.pk}/decide/", {"decision": "reject", "reason": "", "next": "/time/approvals/"}
    )
    assert response.status_code == 302
    assert Timesheet.objects.get().status == Status.SUBMITTED  # a reason is needed
    manager.post("/time/approvals/", {"sheet": [sheet.pk]})
    assert Timesheet.objects.get().status == Status.APPROVED


def test_approving_ones_own_week_is_refused_on_the_page(w):
    services.submit(w.manager_a, week(w.manager_a, engagement=w.engagement_a, hours=(3,)))
    sheet = Timesheet.objects.get()
    client = browser(w.manager_a)
    response = client.post(f"/time/sheets/{sheet.pk}/decide/", {"decision": "approve"})
    assert response.status_code == 403
    assert "cannot approve your own time" in response.content.decode()
    detail = client.get(sheet.get_absolute_url()).content.decode()
    assert f'data-testid="approve-sheet-{sheet.pk}"' not in detail
    assert set(TimeEntry.objects.values_list("status", flat=True)) == {Status.SUBMITTED}
    # the engagement partner may
    browser(w.partner_a).post(
        f"/time/sheets/{sheet.pk}/decide/", {"decision": "approve", "line": str(w.engagement_a.pk)}
    )
    assert Timesheet.objects.get().status == Status.APPROVED


def test_the_week_page_shows_decisions_and_reopens(w):
    sheet = week(w.auditor_a, engagement=w.engagement_a)
    services.submit(w.auditor_a, sheet)
    services.approve(w.manager_a, sheet)
    manager = browser(w.manager_a)
    html = manager.get(sheet.get_absolute_url()).content.decode()
    assert 'data-testid="reopen-form"' in html
    assert (
        'data-testid="reopen-form"' not in browser(w.auditor_a).get(sheet.get_absolute_url()).content.decode()
    )
    assert browser(w.manager_b).get(sheet.get_absolute_url()).status_code == 404
    manager.post(f"/time/sheets/{sheet.pk}/reopen/", {"reason": "wrong task"})
    html = manager.get(sheet.get_absolute_url()).content.decode()
    assert "wrong task" in html and Timesheet.objects.get().status == Status.DRAFT


def test_history_and_the_sheet_list(w):
    week(w.auditor_a, engagement=w.engagement_a)
    week(w.assistant_a, engagement=w.engagement_a)
    mine = browser(w.auditor_a).get("/time/history/")
    assert mine.status_code == 200 and mine.context["paginator"].count == 1
    assert browser(w.partner_a).get("/time/sheets/").context["paginator"].count == 2
    export = browser(w.partner_a).get("/time/sheets/?export=xlsx")
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd.openxml")


def test_the_utilisation_page_and_its_excel(w):
    sheet = week(w.auditor_a, engagement=w.engagement_a)
    services.submit(w.auditor_a, sheet)
    services.approve(w.manager_a, sheet)
    partner = browser(w.partner_a)
    query = {"period": "custom", "start": "2025-09-22", "end": "2025-09-28", "by": "person"}
    response = partner.get("/time/reports/utilisation/", query)
    assert response.status_code == 200
    rows = {r.label: r for r in response.context["rows"]}
    # 22–26 Sep and the make-up Sunday 28 Sep: 6 working days, 48 hours; 40 chargeable
    assert (rows[str(w.auditor_a)].available, rows[str(w.auditor_a)].chargeable) == (48, 40)
    export = partner.get("/time/reports/utilisation/", {**query, "export": "xlsx"})
    import openpyxl

    sheet_rows = list(openpyxl.load_workbook(io.BytesIO(export.content)).active.values)
    assert sheet_rows[0][0] == "Person"
    assert any(r[0] == str(w.auditor_a) and r[4] == 40 for r in sheet_rows)
    # the manager sees the team of the engagement; a staff auditor may not open the report
    assert {
        r.label for r in browser(w.manager_a).get("/time/reports/utilisation/", query).context["rows"]
    } == {
        str(w.auditor_a),
        str(w.assistant_a),
    }
    assert browser(w.auditor_a).get("/time/reports/utilisation/").status_code == 403


def test_the_utilisation_page_explains_an_unknown_year(w):
    response = browser(w.partner_a).get(
        "/time/reports/utilisation/", {"period": "year", "year": "2100", "by": "office"}
    )
    assert response.status_code == 200
    assert "2100 is not covered" in response.content.decode()


def test_the_utilisation_page_queries_do_not_grow_with_people(w):
    from cpahub.accounts.choices import Role
    from cpahub.testing.practice import staff

    partner = browser(w.partner_a)
    query = {"period": "month", "year": "2025", "month": "9", "by": "person"}
    partner.get("/time/reports/utilisation/", query)
    with CaptureQueriesContext(connection) as few:
        partner.get("/time/reports/utilisation/", query)
    for _n in range(10):
        staff(Role.STAFF_AUDITOR, w.firm_a, w.grades_a["A"])
    with CaptureQueriesContext(connection) as many:
        response = partner.get("/time/reports/utilisation/", query)
    assert len(response.context["rows"]) == 19
    assert len(many) == len(few)


def test_the_budget_report(w):
    BudgetLine.objects.create(engagement=w.engagement_a, grade=w.grades_a["S"], hours=40)
    services.submit(w.auditor_a, week(w.auditor_a, engagement=w.engagement_a))
    client = browser(w.manager_a)
    response = client.get("/time/reports/budget/", {"level": "warnings"})
    assert [e.code for e, _s in response.context["page_obj"]] == [w.engagement_a.code]
    assert "Budget used up" in response.content.decode()
    export = client.get("/time/reports/budget/", {"export": "xlsx"})
    assert export.status_code == 200
    assert browser(w.partner_b).get("/time/reports/budget/").context["paginator"].count == 1  # firm B's own


def test_the_time_menu(w):
    def labels(user):
        return {
            item["label"] for group in menu_for(user) if group["label"] == "Time" for item in group["items"]
        }

    assert labels(w.auditor_a) == {"My timesheet", "My timesheet history"}
    assert {"Approvals", "Utilisation", "Budget vs actual"} <= labels(w.manager_a)
    assert "Approvals" not in labels(w.finance_a) and "Utilisation" in labels(w.finance_a)
    assert labels(w.assoc) == set()


def test_the_approvals_queue_queries_do_not_grow_with_weeks(w):
    from cpahub.accounts.choices import Role
    from cpahub.testing.practice import add_to_team, staff

    manager = browser(w.manager_a)
    services.submit(w.auditor_a, week(w.auditor_a, engagement=w.engagement_a))
    manager.get("/time/approvals/")
    with CaptureQueriesContext(connection) as few:
        manager.get("/time/approvals/")
    for _n in range(4):
        person = staff(Role.STAFF_AUDITOR, w.firm_a, w.grades_a["A"])
        add_to_team(w.engagement_a, person)
        services.submit(person, week(person, engagement=w.engagement_a))
    with CaptureQueriesContext(connection) as many:
        response = manager.get("/time/approvals/")
    assert len(response.context["cards"]) == 5
    assert len(many) == len(few)


def test_utilisation_of_one_team_is_asked_for_by_engagement_code(client, w):
    login_verified(client, w.partner_a)
    url = "/time/reports/utilisation/"
    found = client.get(url, {"period": "year", "year": "2025", "engagement": w.engagement_a.code.lower()})
    assert found.status_code == 200 and found.context["form"].cleaned_data["engagement"] == w.engagement_a
    other = client.get(url, {"period": "year", "year": "2025", "engagement": w.engagement_b.code})
    assert "engagement" in other.context["form"].errors  # another firm's code is not found
    assert len(found.content) < 100_000  # no list of every engagement in the page
