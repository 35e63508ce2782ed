"""The engagement pages: list, export, create, the tabs, steps, in-place editing, to-do, continuance."""

import datetime
import io
import re

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cpahub.engagements.choices import AcceptanceStatus, Status, TeamRole
from cpahub.engagements.models import Engagement, Milestone, TeamMember
from cpahub.engagements.services import independence
from cpahub.testing.engagements import answer_all, declare_all, drive
from cpahub.testing.factories import login_verified
from cpahub.testing.practice import ClientFactory, EngagementFactory

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def test_list_filters_and_export(client, w, eng):
    login_verified(client, w.manager_a)
    page = client.get("/engagements/?status=proposed&year=2025").text
    assert eng.code in page and w.engagement_a.code in page
    assert eng.code not in client.get("/engagements/?status=accepted").text
    assert eng.code in client.get(f"/engagements/?client={eng.client_id}").text
    filtered = client.get(f"/engagements/?client={eng.client_id}").text
    assert w.engagement_a.code not in filtered, filtered[filtered.find(w.engagement_a.code) - 300 :][:600]
    assert w.engagement_a.code not in client.get(f"/engagements/?office={w.branch_a.pk}").text
    assert eng.code in client.get(f"/engagements/?partner={w.partner_a.pk}&manager={w.manager_a.pk}").text
    response = client.get("/engagements/?export=xlsx&type=fs_audit")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.values)
    assert rows[0][:5] == ("Engagement code", "Name", "Client", "Engagement type", "Status")
    assert {row[0] for row in rows[1:]} == {eng.code, w.engagement_a.code, w.branch_engagement.code}


def test_staff_cannot_export(client, w, eng):
    login_verified(client, w.auditor_a)
    sheet = openpyxl.load_workbook(io.BytesIO(client.get("/engagements/?export=xlsx").content)).active
    assert len(list(sheet.values)) == 1  # headers only: exporting needs a manager role


def test_list_queries_do_not_grow_with_rows(client, w, eng):
    login_verified(client, w.manager_a)
    client.get("/engagements/")
    with CaptureQueriesContext(connection) as few:
        client.get("/engagements/")
    for _n in range(15):
        EngagementFactory(
            client=w.client_a, partner=w.partner_a, manager=w.manager_a, report_date=datetime.date(2025, 3, 1)
        )
    with CaptureQueriesContext(connection) as many:
        client.get("/engagements/")
    assert len(many) == len(few)


def test_create_an_engagement(client, w):
    login_verified(client, w.manager_a)
    assert client.get("/engagements/add/").status_code == 200
    new_client = ClientFactory(firm=w.firm_a)
    response = client.post(
        "/engagements/add/",
        {
            "client": new_client.pk,
            "type": "capital",
            "period_end": "2025-06-30",
            "partner": w.partner_a.pk,
            "manager": w.manager_a.pk,
            "report_due": "2025-07-15",
        },
    )
    engagement = Engagement.objects.get(client=new_client)
    assert response.status_code == 302 and response["Location"] == f"/engagements/{engagement.pk}/"
    assert engagement.code == "2025-0001" and engagement.office_id == new_client.office_id
    assert engagement.acceptance.template.engagement_type == "capital"
    assert set(engagement.team.values_list("user_id", "role")) == {
        (w.partner_a.pk, TeamRole.PARTNER),
        (w.manager_a.pk, TeamRole.MANAGER),
    }
    # The same client, type and period again is refused with the reason.
    again = client.post(
        "/engagements/add/", {"client": new_client.pk, "type": "capital", "period_end": "2025-06-30"}
    )
    assert again.status_code == 400 and "already has this engagement" in again.text


def test_a_staff_auditor_cannot_create(client, w):
    login_verified(client, w.auditor_a)
    assert client.get("/engagements/add/").status_code == 403


def test_manager_must_be_a_manager_of_the_firm(client, w):
    login_verified(client, w.manager_a)
    response = client.post(
        "/engagements/add/", {"client": w.client_a.pk, "type": "review", "manager": w.manager_b.pk}
    )
    assert response.status_code == 400
    assert not Engagement.objects.filter(type="review").exists()


def test_acceptance_through_the_pages(client, w, eng):
    login_verified(client, w.manager_a)
    page = client.get(f"/engagements/{eng.pk}/acceptance/")
    assert "Do the owners, those charged with governance and management act with integrity?" in page.text
    acceptance = eng.acceptance
    data = {"conclusion": "可以承接"}
    for question in acceptance.template.questions.all():
        data[f"q{question.pk}"] = question.options.order_by("score").first().pk
    data["submit"] = "1"
    assert client.post(f"/engagements/{eng.pk}/acceptance/", data).status_code == 302
    acceptance.refresh_from_db()
    assert acceptance.status == AcceptanceStatus.SUBMITTED and acceptance.conclusion == "可以承接"
    # Declarations missing: the approval is refused with the reason, nothing recorded.
    refused = client.post(f"/engagements/{eng.pk}/acceptance/decide/", {"decision": "approved"})
    assert refused.status_code == 400 and "Independence is not cleared" in refused.text
    assert client.post(f"/engagements/{eng.pk}/independence/", {"independent": "1"}).status_code == 302
    independence.declare(w.partner_a, eng, independent=True)
    assert (
        client.post(f"/engagements/{eng.pk}/acceptance/decide/", {"decision": "approved"}).status_code == 302
    )
    client.logout()
    login_verified(client, w.partner_a)
    assert "decision-form" in client.get(f"/engagements/{eng.pk}/acceptance/").text
    client.post(f"/engagements/{eng.pk}/acceptance/decide/", {"decision": "approved", "comment": "同意承接"})
    eng.refresh_from_db()
    assert eng.status == Status.ACCEPTED


def test_safeguards_are_approved_on_the_page(client, w, eng):
    TeamMember.objects.create(engagement=eng, user=w.auditor_a, role=TeamRole.STAFF)
    declaration = independence.declare(
        w.auditor_a, eng, independent=False, threats="持有股票", safeguards="出售"
    )
    login_verified(client, w.partner_a)
    assert "Approve the safeguards" in client.get(f"/engagements/{eng.pk}/acceptance/").text
    client.post(f"/engagements/{eng.pk}/independence/{declaration.pk}/approve/")
    declaration.refresh_from_db()
    assert declaration.cleared


def test_conflict_check_shows_the_group(client, w, eng):
    parent = ClientFactory(firm=w.firm_a)
    sister = ClientFactory(firm=w.firm_a, parent=parent)
    eng.client.parent = parent
    eng.client.save()
    consulting = EngagementFactory(client=sister, type="non_assurance", partner=w.quality_a, code="TAX-1")
    EngagementFactory(client=w.client_b, code="OTHER-FIRM")
    login_verified(client, w.manager_a)
    page = client.get(f"/engagements/{eng.pk}/acceptance/").text
    assert consulting.code in page and "Group company" in page and "possible self-review threat" in page
    assert "OTHER-FIRM" not in page


def test_steps_show_what_blocks_them_and_run_from_the_page(client, w, eng):
    Engagement.objects.filter(pk=eng.pk).update(status=Status.PLANNED)
    login_verified(client, w.manager_a)
    page = client.get(f"/engagements/{eng.pk}/").text
    assert "Fieldwork cannot start until the acceptance is approved." in page
    refused = client.post(f"/engagements/{eng.pk}/step/start_fieldwork/", {"comment": ""})
    assert refused.status_code == 400
    eng.refresh_from_db()
    assert eng.status == Status.PLANNED
    assert client.get(f"/engagements/{eng.pk}/step/nonsense/").status_code == 404


def test_a_step_page_hides_confirm_and_says_why_when_the_move_is_not_possible_now(client, w, eng):
    login_verified(client, w.manager_a)
    page = client.get(f"/engagements/{eng.pk}/step/start_fieldwork/").text  # still proposed
    assert 'data-testid="confirm-step"' not in page and "<textarea" not in page
    assert "“Start fieldwork” is not possible while the engagement is Proposed (acceptance pending)." in page
    refused = client.post(f"/engagements/{eng.pk}/step/start_fieldwork/", {"comment": ""})
    assert refused.status_code == 400 and 'data-testid="confirm-step"' not in refused.text
    Engagement.objects.filter(pk=eng.pk).update(status=Status.PLANNED)
    blocked = client.get(f"/engagements/{eng.pk}/step/start_fieldwork/").text
    assert 'data-testid="confirm-step"' not in blocked
    assert "Fieldwork cannot start until the acceptance is approved." in blocked
    client.logout()
    login_verified(client, w.quality_a)  # a partner of the firm, not named on the engagement
    Engagement.objects.filter(pk=eng.pk).update(status=Status.ACCEPTED)
    other = client.get(f"/engagements/{eng.pk}/step/plan/").text
    assert 'data-testid="confirm-step"' not in other
    assert "Only the engagement manager or partner may do this." in other
    eng.refresh_from_db()
    assert eng.status == Status.ACCEPTED


def test_a_possible_step_shows_confirm_and_marks_a_missing_comment(client, w, eng):
    login_verified(client, w.partner_a)
    page = client.get(f"/engagements/{eng.pk}/step/decline/").text
    assert 'data-testid="confirm-step"' in page and 'data-testid="step-refusal"' not in page
    response = client.post(f"/engagements/{eng.pk}/step/decline/", {"comment": " "})
    assert response.status_code == 400
    assert 'data-testid="confirm-step"' in response.text
    assert re.search(r'<textarea[^>]*class="form-control is-invalid"', response.text)
    assert "A comment is required for this step." in response.text


def test_issue_from_the_page_after_three_signoffs(client, w, eng):
    drive(w, eng, Status.REVIEW)
    for user in (w.manager_a, w.partner_a, w.quality_a):
        client.logout()
        login_verified(client, user)
        assert "signoff-form" in client.get(f"/engagements/{eng.pk}/reviews/").text
        assert client.post(f"/engagements/{eng.pk}/reviews/sign/", {"comment": "ok"}).status_code == 302
    client.logout()
    login_verified(client, w.partner_a)
    response = client.post(f"/engagements/{eng.pk}/step/issue/", {"report_date": "2025-03-20"})
    assert response.status_code == 302
    page = client.get(f"/engagements/{eng.pk}/").text
    assert "审字〔2025〕第0001号" in page and "2025-05-19" in page  # archive deadline
    history = client.get(f"/engagements/{eng.pk}/history/").text
    assert history.count("<tr>") >= 7


def test_team_edited_in_place(client, w, eng):
    login_verified(client, w.manager_a)
    section = client.post(
        f"/engagements/{eng.pk}/team/add/", {"new-user": w.auditor_a.pk, "new-role": "senior"}, **HTMX
    )
    assert section.status_code == 200 and section["HX-Retarget"] == "#section-team"
    member = eng.team.get(user=w.auditor_a)
    assert member.grade == w.grades_a["S"]  # from the staff profile
    assert f'id="team-{member.pk}"' in section.text
    bad = client.post(
        f"/engagements/{eng.pk}/team/add/", {"new-user": w.manager_b.pk, "new-role": "staff"}, **HTMX
    )
    assert bad.status_code == 200 and "HX-Retarget" not in bad and "team-form-row" in bad.text
    row = client.get(f"/engagements/{eng.pk}/team/{member.pk}/edit/", **HTMX)
    assert f'name="r{member.pk}-role"' in row.text
    client.post(
        f"/engagements/{eng.pk}/team/{member.pk}/edit/",
        {
            f"r{member.pk}-user": w.auditor_a.pk,
            f"r{member.pk}-role": "staff",
            f"r{member.pk}-left": "2025-12-31",
        },
        **HTMX,
    )
    member.refresh_from_db()
    assert (member.role, member.left) == ("staff", datetime.date(2025, 12, 31))
    partner_row = eng.team.get(user=w.partner_a, role="partner")
    refused = client.post(f"/engagements/{eng.pk}/team/{partner_row.pk}/delete/", **HTMX)
    assert "Name another engagement partner" in refused.text
    client.post(f"/engagements/{eng.pk}/team/{member.pk}/delete/", **HTMX)
    assert not eng.team.filter(user=w.auditor_a).exists()


def test_budget_and_milestones_in_place(client, w, eng):
    login_verified(client, w.manager_a)
    section = client.post(
        f"/engagements/{eng.pk}/budget/add/", {"new-grade": w.grades_a["S"].pk, "new-hours": "120"}, **HTMX
    )
    assert "120" in section.text and "60000.00" in section.text  # 120 h × 500
    bad = client.post(
        f"/engagements/{eng.pk}/budget/add/", {"new-grade": w.grades_b["S"].pk, "new-hours": "5"}, **HTMX
    )
    assert "budget-form-row" in bad.text
    client.post(
        f"/engagements/{eng.pk}/milestones/add/", {"new-name": "现场审计", "new-due": "2020-01-10"}, **HTMX
    )
    page = client.get(f"/engagements/{eng.pk}/milestones/").text
    assert 'data-overdue="1"' in page and "Overdue" in page
    milestone = Milestone.objects.get(engagement=eng)
    client.post(f"/engagements/{eng.pk}/milestones/{milestone.pk}/done/", **HTMX)
    milestone.refresh_from_db()
    assert milestone.done_on == datetime.date.today()
    # Without HTMX the same URLs go back to the tab.
    plain = client.post(
        f"/engagements/{eng.pk}/milestones/add/", {"new-name": "出具报告", "new-due": "2026-04-30"}
    )
    assert plain.status_code == 302 and plain["Location"] == f"/engagements/{eng.pk}/milestones/"


def test_viewers_cannot_edit_in_place(client, w, eng):
    login_verified(client, w.auditor_a)
    assert "team-form-row" not in client.get(f"/engagements/{eng.pk}/team/").text
    client.post(f"/engagements/{eng.pk}/milestones/add/", {"new-name": "x", "new-due": "2026-01-01"}, **HTMX)
    assert not Milestone.objects.filter(engagement=eng).exists()


def test_my_todo(client, w, eng):
    answer_all(w.manager_a, eng)
    from cpahub.engagements.services import acceptance

    acceptance.submit(w.manager_a, eng.acceptance)
    Milestone.objects.create(engagement=eng, name="函证回函", due=datetime.date(2020, 1, 1))
    TeamMember.objects.create(engagement=eng, user=w.auditor_a, role=TeamRole.STAFF)
    login_verified(client, w.manager_a)
    page = client.get("/engagements/todo/").text
    assert "todo-approvals" in page and "todo-milestones" in page and "todo-declarations" in page
    client.logout()
    login_verified(client, w.auditor_a)
    page = client.get("/engagements/todo/").text
    assert "todo-declarations" in page and "todo-approvals" not in page
    declare_all(eng)
    client.logout()
    login_verified(client, w.partner_b)
    assert "Nothing is waiting for you." in client.get("/engagements/todo/").text


def test_continue_next_period(client, w, eng):
    login_verified(client, w.manager_a)
    form = client.get(f"/engagements/{eng.pk}/continue/").text
    assert "2026-12-31" in form
    response = client.post(
        f"/engagements/{eng.pk}/continue/", {"period_start": "2026-01-01", "period_end": "2026-12-31"}
    )
    later = Engagement.objects.get(previous=eng)
    assert response["Location"] == f"/engagements/{later.pk}/acceptance/"
    assert later.period_end == datetime.date(2026, 12, 31)


def test_report_number_register(client, w, eng):
    drive(w, eng, Status.ISSUED, report_date=datetime.date(2025, 3, 20))
    login_verified(client, w.auditor_a)
    assert "审字〔2025〕第0001号" in client.get("/engagements/report-numbers/").text
    client.logout()
    login_verified(client, w.partner_b)
    assert "审字〔2025〕第0001号" not in client.get("/engagements/report-numbers/").text


def test_menu_group(client, w):
    login_verified(client, w.auditor_a)
    page = client.get("/engagements/todo/").text
    assert 'href="/engagements/"' in page and 'href="/engagements/add/"' not in page
    client.logout()
    login_verified(client, w.partner_a)
    page = client.get("/engagements/todo/").text
    assert 'href="/engagements/add/"' in page and 'href="/practice/settings/"' in page


def test_edit_an_engagement(client, w, eng):
    login_verified(client, w.manager_a)
    form = client.get(f"/engagements/{eng.pk}/edit/")
    assert form.status_code == 200 and 'name="client"' not in form.text
    data = {
        "office": eng.office_id,
        "code": eng.code,
        "name": eng.name,
        "type": "fs_audit",
        "period_start": "2025-01-01",
        "period_end": "2025-12-31",
        "partner": w.partner_a.pk,
        "manager": w.manager_a.pk,
        "report_due": "2026-04-30",
    }
    assert client.post(f"/engagements/{eng.pk}/edit/", data).status_code == 302
    eng.refresh_from_db()
    assert eng.report_due == datetime.date(2026, 4, 30)
    assert client.post(f"/engagements/{eng.pk}/edit/", {**data, "code": ""}).status_code == 400
    eng.refresh_from_db()
    assert eng.code == "AUD-25-01"
