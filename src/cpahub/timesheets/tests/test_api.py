"""REST API: own entries written, the engagements' entries read by managers, the same locks and decisions."""

import datetime

import pytest
from rest_framework.test import APIClient

from cpahub.testing.factories import login_verified
from cpahub.testing.timesheets import MONDAY, week
from cpahub.timesheets import services
from cpahub.timesheets.choices import EventKind, Status
from cpahub.timesheets.models import TimeEntry, Timesheet

pytestmark = pytest.mark.django_db
ENTRIES = "/api/time/entries/"
SHEETS = "/api/time/sheets/"


def api(user):
    client = APIClient()
    login_verified(client, user)
    return client


def test_a_person_records_their_own_time(w):
    client = api(w.auditor_a)
    body = {
        "date": "2025-09-22",
        "engagement": w.engagement_a.pk,
        "task": "fieldwork",
        "hours": "7.5",
        "note": "存货监盘",
    }
    response = client.post(ENTRIES, body, format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert (data["hours"], data["status"], data["chargeable"], data["user"]) == (
        "7.50",
        "draft",
        True,
        w.auditor_a.pk,
    )
    again = client.post(ENTRIES, body, format="json")
    assert again.status_code == 400 and "date" in again.json()
    entry_id = data["id"]
    assert client.patch(f"{ENTRIES}{entry_id}/", {"hours": "6"}, format="json").json()["hours"] == "6.00"
    assert client.get(ENTRIES).json()["count"] == 1
    assert client.delete(f"{ENTRIES}{entry_id}/").status_code == 204
    assert not TimeEntry.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"hours": "0.3"}, "hours"),
        ({"hours": "25"}, "hours"),
        ({"task": "leave"}, "engagement"),
        ({"engagement": None}, "engagement"),
        ({"task": "golf"}, "task"),
    ],
)
def test_bad_entries_are_refused_with_the_field_named(w, body, field):
    payload = {
        "date": "2025-09-22",
        "engagement": w.engagement_a.pk,
        "task": "fieldwork",
        "hours": "8",
        **body,
    }
    response = api(w.auditor_a).post(ENTRIES, payload, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not TimeEntry.objects.exists()


def test_the_day_limit_holds_through_the_api(w):
    client = api(w.auditor_a)
    first = {"date": "2025-09-22", "engagement": w.engagement_a.pk, "task": "fieldwork", "hours": "20"}
    assert client.post(ENTRIES, first, format="json").status_code == 201
    second = {"date": "2025-09-22", "task": "admin", "hours": "4.25"}
    response = client.post(ENTRIES, second, format="json")
    assert response.status_code == 400 and "at most 24" in str(response.json())


def test_another_firms_engagement_cannot_be_named(w):
    payload = {"date": "2025-09-22", "engagement": w.engagement_b.pk, "task": "fieldwork", "hours": "8"}
    response = api(w.auditor_a).post(ENTRIES, payload, format="json")
    assert response.status_code == 400 and "engagement" in response.json()


def test_managers_read_their_engagements_time_and_change_none_of_it(w):
    week(w.auditor_a, engagement=w.engagement_a)
    entry = TimeEntry.objects.first()
    manager = api(w.manager_a)
    assert manager.get(ENTRIES).json()["count"] == 5
    assert manager.get(f"{ENTRIES}{entry.pk}/").status_code == 200
    assert manager.patch(f"{ENTRIES}{entry.pk}/", {"hours": "1"}, format="json").status_code in (403, 404)
    assert manager.delete(f"{ENTRIES}{entry.pk}/").status_code in (403, 404)
    for outsider in (w.manager_b, w.assoc, w.assistant_a):
        client = api(outsider)
        assert client.get(ENTRIES).json()["count"] == 0
        assert client.get(f"{ENTRIES}{entry.pk}/").status_code == 404
    assert APIClient().get(ENTRIES).status_code in (401, 403)
    assert TimeEntry.objects.get(pk=entry.pk).hours == 8


def test_cost_rates_are_shown_to_finance_only(w):
    sheet = week(w.auditor_a, engagement=w.engagement_a, hours=(8,))
    services.submit(w.auditor_a, sheet)
    services.approve(w.manager_a, sheet)
    assert api(w.auditor_a).get(ENTRIES).json()["results"][0]["cost_rate"] is None
    assert api(w.finance_a).get(ENTRIES).json()["results"][0]["cost_rate"] == "180.00"


def test_the_week_goes_through_submit_approve_and_reopen(w):
    week(w.auditor_a, engagement=w.engagement_a)
    sheet = Timesheet.objects.get()
    person, manager = api(w.auditor_a), api(w.manager_a)
    response = person.post(f"{SHEETS}{sheet.pk}/submit/")
    assert response.status_code == 200 and response.json()["status"] == "submitted"
    assert response.json()["total_hours"] == "40.00"
    # the person cannot approve their own week
    refused = person.post(f"{SHEETS}{sheet.pk}/approve/", {}, format="json")
    assert refused.status_code == 403 and "own time" in refused.json()["detail"]
    assert manager.post(f"{SHEETS}{sheet.pk}/reject/", {"reason": ""}, format="json").status_code == 400
    approved = manager.post(
        f"{SHEETS}{sheet.pk}/approve/", {"lines": [str(w.engagement_a.pk)]}, format="json"
    )
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    # locked: neither changed nor deleted through the API
    entry = TimeEntry.objects.first()
    locked = person.patch(f"{ENTRIES}{entry.pk}/", {"hours": "1"}, format="json")
    assert locked.status_code == 400 and "locked" in str(locked.json())
    assert person.delete(f"{ENTRIES}{entry.pk}/").status_code == 400
    assert person.post(f"{SHEETS}{sheet.pk}/reopen/", {"reason": "mine"}, format="json").status_code == 403
    reopened = manager.post(f"{SHEETS}{sheet.pk}/reopen/", {"reason": "split travel"}, format="json")
    assert reopened.status_code == 200 and reopened.json()["status"] == "draft"
    events = manager.get(f"{SHEETS}{sheet.pk}/events/").json()
    assert [e["kind"] for e in events] == [EventKind.SUBMITTED, EventKind.APPROVED, EventKind.REOPENED]
    assert events[-1]["reason"] == "split travel"
    assert set(TimeEntry.objects.values_list("status", flat=True)) == {Status.DRAFT}


def test_sheets_are_listed_by_reach_and_filtered(w):
    week(w.auditor_a, engagement=w.engagement_a)
    week(w.assistant_a, first=MONDAY + datetime.timedelta(days=7), engagement=w.engagement_a)
    assert api(w.partner_a).get(SHEETS).json()["count"] == 2
    assert api(w.partner_a).get(SHEETS, {"user": w.assistant_a.pk}).json()["count"] == 1
    assert api(w.auditor_a).get(SHEETS).json()["count"] == 1
    assert api(w.partner_b).get(SHEETS).json()["count"] == 0
    other = Timesheet.objects.get(user=w.assistant_a)
    assert api(w.partner_b).post(f"{SHEETS}{other.pk}/approve/", {}, format="json").status_code == 404
