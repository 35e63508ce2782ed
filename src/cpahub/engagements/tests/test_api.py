"""The engagements API: read and write through the services, steps through the same rules."""

import datetime

import pytest

from cpahub.engagements.choices import Status
from cpahub.engagements.models import BudgetLine, Engagement, Milestone
from cpahub.testing.engagements import accept, drive
from cpahub.testing.practice import ClientFactory

pytestmark = pytest.mark.django_db
API = "/api/engagements"


def test_create_and_update_an_engagement(client, w):
    client.force_login(w.manager_a)
    new_client = ClientFactory(firm=w.firm_a)
    response = client.post(
        f"{API}/engagements/",
        {
            "client": new_client.pk,
            "type": "review",
            "period_end": "2025-12-31",
            "partner": w.partner_a.pk,
            "manager": w.manager_a.pk,
            "status": "archived",
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == Status.PROPOSED  # status is read-only: it moves by steps
    assert body["acceptance_status"] == "draft" and body["firm"] == w.firm_a.pk
    updated = client.patch(
        f"{API}/engagements/{body['id']}/",
        {"report_due": "2026-03-31", "client": w.client_a.pk},
        content_type="application/json",
    )
    assert updated.status_code == 200
    engagement = Engagement.objects.get(pk=body["id"])
    assert engagement.report_due == datetime.date(2026, 3, 31) and engagement.client_id == new_client.pk


def test_create_refuses_clients_of_other_firms_and_staff(client, w):
    client.force_login(w.manager_a)
    refused = client.post(
        f"{API}/engagements/", {"client": w.client_b.pk, "type": "review"}, content_type="application/json"
    )
    assert refused.status_code == 400 and "client" in refused.json()
    client.force_login(w.auditor_a)
    assert (
        client.post(
            f"{API}/engagements/", {"client": w.client_a.pk, "type": "aup"}, content_type="application/json"
        ).status_code
        == 403
    )
    # Writes look among the rows the user may change (as every API of the platform does).
    assert (
        client.patch(
            f"{API}/engagements/{w.engagement_a.pk}/", {"notes": "x"}, content_type="application/json"
        ).status_code
        == 404
    )


def test_fieldwork_cannot_start_through_the_api_before_acceptance(client, w, eng):
    Engagement.objects.filter(pk=eng.pk).update(status=Status.PLANNED)
    client.force_login(w.manager_a)
    response = client.post(
        f"{API}/engagements/{eng.pk}/transition/",
        {"action": "start_fieldwork"},
        content_type="application/json",
    )
    assert response.status_code == 400 and "acceptance is approved" in str(response.json())
    eng.refresh_from_db()
    assert eng.status == Status.PLANNED


def test_steps_sign_offs_and_history_through_the_api(client, w, eng):
    accept(w, eng)
    client.force_login(w.auditor_a)
    forbidden = client.post(
        f"{API}/engagements/{eng.pk}/transition/", {"action": "plan"}, content_type="application/json"
    )
    assert forbidden.status_code == 403
    client.force_login(w.manager_a)
    for step in ("plan", "start_fieldwork", "submit_review"):
        response = client.post(
            f"{API}/engagements/{eng.pk}/transition/", {"action": step}, content_type="application/json"
        )
        assert response.status_code == 201, response.content
    for user, level in ((w.manager_a, 1), (w.partner_a, 2), (w.quality_a, 3)):
        client.force_login(user)
        signed = client.post(
            f"{API}/engagements/{eng.pk}/signoff/", {"comment": "ok"}, content_type="application/json"
        )
        assert signed.status_code == 201 and signed.json()["level"] == level
    client.force_login(w.partner_a)
    issued = client.post(
        f"{API}/engagements/{eng.pk}/transition/",
        {"action": "issue", "report_date": "2025-03-20"},
        content_type="application/json",
    )
    assert issued.status_code == 201
    detail = client.get(f"{API}/engagements/{eng.pk}/").json()
    assert detail["report_number"] == "审字〔2025〕第0001号" and detail["archive_deadline"] == "2025-05-19"
    history = client.get(f"{API}/engagements/{eng.pk}/history/").json()
    assert [row["action"] for row in history] == [
        "create",
        "accept",
        "plan",
        "start_fieldwork",
        "submit_review",
        "issue",
    ]
    bad = client.post(
        f"{API}/engagements/{eng.pk}/transition/", {"action": "fly"}, content_type="application/json"
    )
    assert bad.status_code == 400


def test_other_firms_cannot_step_or_read(client, w, eng):
    client.force_login(w.partner_b)
    assert client.get(f"{API}/engagements/{eng.pk}/").status_code == 404
    assert (
        client.post(
            f"{API}/engagements/{eng.pk}/transition/",
            {"action": "cancel", "comment": "x"},
            content_type="application/json",
        ).status_code
        == 404
    )


def test_team_budget_and_milestones(client, w, eng):
    client.force_login(w.manager_a)
    member = client.post(
        f"{API}/team-members/",
        {"engagement": eng.pk, "user": w.auditor_a.pk, "role": "senior"},
        content_type="application/json",
    )
    assert member.status_code == 201 and member.json()["grade"] == w.grades_a["S"].pk
    member_id = member.json()["id"]
    changed = client.patch(
        f"{API}/team-members/{member_id}/", {"role": "staff"}, content_type="application/json"
    )
    assert (
        changed.status_code == 200
        and changed.json()["role"] == "staff"
        and changed.json()["user"] == w.auditor_a.pk
    )
    outsider = client.post(
        f"{API}/team-members/",
        {"engagement": eng.pk, "user": w.manager_b.pk, "role": "staff"},
        content_type="application/json",
    )
    assert outsider.status_code == 400 and "user" in outsider.json()
    line = client.post(
        f"{API}/budget-lines/",
        {"engagement": eng.pk, "grade": w.grades_a["M"].pk, "hours": "40"},
        content_type="application/json",
    )
    assert line.status_code == 201
    twice = client.post(
        f"{API}/budget-lines/",
        {"engagement": eng.pk, "grade": w.grades_a["M"].pk, "hours": "4"},
        content_type="application/json",
    )
    assert twice.status_code == 400
    foreign = client.post(
        f"{API}/budget-lines/",
        {"engagement": eng.pk, "grade": w.grades_b["M"].pk, "hours": "4"},
        content_type="application/json",
    )
    assert foreign.status_code == 400
    milestone = client.post(
        f"{API}/milestones/",
        {"engagement": eng.pk, "name": "盘点", "due": "2026-01-02"},
        content_type="application/json",
    )
    assert milestone.status_code == 201
    assert client.get(f"{API}/milestones/?engagement={eng.pk}&open=true").json()["count"] == 1
    assert client.delete(f"{API}/milestones/{milestone.json()['id']}/").status_code == 204
    assert client.delete(f"{API}/team-members/{member_id}/").status_code == 204
    assert BudgetLine.objects.filter(engagement=eng).count() == 1 and not Milestone.objects.exists()


def test_staff_read_parts_but_cannot_write_them(client, w, eng):
    client.force_login(w.auditor_a)
    assert client.get(f"{API}/team-members/?engagement={eng.pk}").json()["count"] == 2
    refused = client.post(
        f"{API}/milestones/",
        {"engagement": eng.pk, "name": "x", "due": "2026-01-02"},
        content_type="application/json",
    )
    assert refused.status_code == 403


def test_closed_engagements_cannot_change(client, w, eng):
    drive(w, eng, Status.DECLINED)
    client.force_login(w.manager_a)
    response = client.post(
        f"{API}/milestones/",
        {"engagement": eng.pk, "name": "x", "due": "2026-01-02"},
        content_type="application/json",
    )
    assert response.status_code == 400
