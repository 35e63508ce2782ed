"""Users × actions × objects for engagements and their parts, through the gate, the pages and the API.

Firm A has a head office and a branch; firm B is another firm; the association sees no firm's
engagements; team members see the engagements they staff. A user missing from a table reaches nothing.
"""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from cpahub.core.permissions import CHANGE, DELETE, EXPORT, VIEW, can_add
from cpahub.engagements.choices import TeamRole
from cpahub.engagements.models import BudgetLine, Engagement, Milestone, ReportNumber, TeamMember
from cpahub.testing.factories import login_verified
from cpahub.testing.practice import add_to_team, firm_world

pytestmark = pytest.mark.django_db

HEAD_A = ("admin_a", "partner_a", "quality_a", "manager_a", "auditor_a", "assistant_a", "finance_a")
MANAGERS_A = ("admin_a", "partner_a", "quality_a", "manager_a")
FIRM_A = {"engagement_a", "branch_engagement"}
USERS = (*HEAD_A, "branch_manager", "branch_auditor", "partner_b", "manager_b", "assoc", "anonymous")

VISIBLE = {
    **dict.fromkeys(HEAD_A, FIRM_A),
    "branch_manager": {"branch_engagement"},
    "branch_auditor": {"branch_engagement"},
    "partner_b": {"engagement_b"},
    "manager_b": {"engagement_b"},
}
CHANGEABLE = {
    **dict.fromkeys(MANAGERS_A, FIRM_A),
    "branch_manager": {"branch_engagement"},
    "partner_b": {"engagement_b"},
    "manager_b": {"engagement_b"},
}
ENGAGEMENTS = ("engagement_a", "branch_engagement", "engagement_b")


@pytest.fixture
def w():
    world = firm_world()
    world.anonymous = AnonymousUser()
    for seq, name in enumerate(ENGAGEMENTS, start=1):
        engagement = getattr(world, name)
        grade = engagement.firm.grades.get(code="S")
        BudgetLine.objects.create(engagement=engagement, grade=grade, hours=100)
        Milestone.objects.create(engagement=engagement, name="外勤开始", due="2026-01-10")
        ReportNumber.objects.create(
            firm=engagement.firm,
            year=2025,
            word="审",
            seq=seq,
            number=f"N-{name}",
            engagement=engagement,
            report_date="2025-03-01",
        )
    return world


def reached(w, model, user, action) -> set[str]:
    rows = set(
        model.objects.restrict(user, action).values_list(
            "engagement_id" if model is not Engagement else "pk", flat=True
        )
    )
    return {name for name in ENGAGEMENTS if getattr(w, name).pk in rows}


@pytest.mark.parametrize("user", USERS)
@pytest.mark.parametrize("model", [Engagement, TeamMember, BudgetLine, Milestone])
def test_view_and_change_through_the_gate(w, user, model):
    who = getattr(w, user)
    if model is TeamMember:  # make every engagement have a team row to find
        for name in ENGAGEMENTS:
            engagement = getattr(w, name)
            if not engagement.team.exists():
                add_to_team(engagement, engagement.manager, TeamRole.MANAGER)
    assert reached(w, model, who, VIEW) == VISIBLE.get(user, set())
    assert reached(w, model, who, CHANGE) == CHANGEABLE.get(user, set())
    assert reached(w, model, who, DELETE) == CHANGEABLE.get(user, set())


@pytest.mark.parametrize("user", USERS)
def test_report_numbers_are_read_only_and_follow_the_engagement(w, user):
    who = getattr(w, user)
    assert reached(w, ReportNumber, who, VIEW) == VISIBLE.get(user, set())
    assert reached(w, ReportNumber, who, CHANGE) == set()
    assert reached(w, ReportNumber, who, EXPORT) == CHANGEABLE.get(user, set())


def test_a_branch_member_on_a_head_office_team_sees_it_but_cannot_change_it(w):
    add_to_team(w.engagement_a, w.branch_auditor)
    assert reached(w, Engagement, w.branch_auditor, VIEW) == {"engagement_a", "branch_engagement"}
    assert reached(w, Engagement, w.branch_auditor, CHANGE) == set()


def test_who_may_add_engagements(w):
    allowed = {u for u in USERS if can_add(getattr(w, u), Engagement)}
    assert allowed == {*MANAGERS_A, "branch_manager", "partner_b", "manager_b"}


TABS = ("engagement_detail", "acceptance", "team", "milestones", "reviews", "history")


@pytest.mark.parametrize("user", USERS)
def test_pages(w, client, user):
    who = getattr(w, user)
    if user != "anonymous":
        login_verified(client, who)
    for name in ENGAGEMENTS:
        engagement = getattr(w, name)
        for tab in TABS:
            response = client.get(reverse(f"engagements:{tab}", args=[engagement.pk]))
            if user == "anonymous":
                assert response.status_code == 302 and "/accounts/login/" in response["Location"]
            else:
                assert response.status_code == (200 if name in VISIBLE.get(user, set()) else 404), (name, tab)
        edit = client.get(reverse("engagements:engagement_edit", args=[engagement.pk]))
        if user == "anonymous":
            assert edit.status_code == 302
        elif name in CHANGEABLE.get(user, set()):
            assert edit.status_code == 200
        else:
            assert edit.status_code == (403 if name in VISIBLE.get(user, set()) else 404)
    if user == "anonymous":
        return
    listed = client.get(reverse("engagements:engagement_list"))
    assert listed.status_code == 200
    shown = {name for name in ENGAGEMENTS if getattr(w, name).code in listed.content.decode()}
    assert shown == VISIBLE.get(user, set())


@pytest.mark.parametrize("user", USERS)
def test_api_lists_only_what_the_user_reaches(w, client, user):
    if user != "anonymous":
        client.force_login(getattr(w, user))
    for path, key in (
        ("/api/engagements/engagements/", "id"),
        ("/api/engagements/team-members/", "engagement"),
        ("/api/engagements/budget-lines/", "engagement"),
        ("/api/engagements/milestones/", "engagement"),
    ):
        response = client.get(path)
        if user == "anonymous":
            assert response.status_code in (401, 403)
            continue
        assert response.status_code == 200
        ids = {row[key] for row in response.json()["results"]}
        expected = {getattr(w, name).pk for name in VISIBLE.get(user, set())}
        if key == "engagement":
            assert ids <= expected
        else:
            assert ids == expected
