"""Continuance, the conflict check over the client's group, the to-do list, engagement edits."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cpahub.engagements.choices import AcceptanceKind, AcceptanceStatus, Status, TeamRole
from cpahub.engagements.models import BudgetLine, Milestone
from cpahub.engagements.services import conflicts, engagements, team, todo
from cpahub.testing.engagements import answer_all, drive
from cpahub.testing.practice import ClientFactory, EngagementFactory

pytestmark = pytest.mark.django_db


def test_continuance_copies_team_budget_and_answers(w, eng):
    team.save_member(w.manager_a, eng, user=w.auditor_a, role=TeamRole.SENIOR)
    team.save_member(
        w.manager_a, eng, user=w.assistant_a, role=TeamRole.STAFF, left=datetime.date(2020, 1, 1)
    )
    team.save_budget_line(w.manager_a, eng, grade=w.grades_a["S"], hours=200)
    earlier = answer_all(w.manager_a, eng, "high")
    drive_answers = {a.question.key: a.option_id for a in eng.acceptance.answers.select_related("question")}
    later = engagements.create_continuance(w.manager_a, eng)
    assert (later.period_start, later.period_end) == (datetime.date(2026, 1, 1), datetime.date(2026, 12, 31))
    assert later.previous_id == eng.pk and later.status == Status.PROPOSED
    assert set(later.team.values_list("user_id", "role")) == {
        (w.partner_a.pk, TeamRole.PARTNER),
        (w.manager_a.pk, TeamRole.MANAGER),
        (w.auditor_a.pk, TeamRole.SENIOR),
    }
    assert list(later.budget.values_list("grade__code", "hours")) == [("S", 200)]
    acceptance = later.acceptance
    assert acceptance.kind == AcceptanceKind.CONTINUANCE and acceptance.status == AcceptanceStatus.DRAFT
    assert {
        a.question.key: a.option_id for a in acceptance.answers.select_related("question")
    } == drive_answers
    assert (acceptance.score, acceptance.risk_level) == (earlier.score, earlier.risk_level)
    # Nothing of last year's decisions is copied: the new acceptance needs its own approvals.
    assert not acceptance.approvals.exists()
    with pytest.raises(ValidationError, match="already has"):
        engagements.create_continuance(w.manager_a, eng)


def test_continuance_needs_a_live_engagement_and_a_manager(w, eng):
    with pytest.raises(PermissionDenied):
        engagements.create_continuance(w.auditor_a, eng)
    drive(w, eng, Status.DECLINED)
    with pytest.raises(ValidationError):
        engagements.create_continuance(w.manager_a, eng)


def test_the_group_is_the_top_parent_and_everything_below_it(w):
    top = ClientFactory(firm=w.firm_a)
    child = ClientFactory(firm=w.firm_a, parent=top)
    grandchild = ClientFactory(firm=w.firm_a, parent=child)
    sibling = ClientFactory(firm=w.firm_a, parent=top)
    stranger = ClientFactory(firm=w.firm_a)
    relations = conflicts.group_of(child)
    assert {pk: str(label) for pk, label in relations.items()} == {
        child.pk: "Same client",
        top.pk: "Parent company",
        grandchild.pk: "Subsidiary",
        sibling.pk: "Group company",
    }
    assert stranger.pk not in relations


def test_a_parent_loop_does_not_hang(w):
    a = ClientFactory(firm=w.firm_a)
    b = ClientFactory(firm=w.firm_a, parent=a)
    a.parent = b
    a.save()
    assert set(conflicts.group_of(a)) == {a.pk, b.pk}


def test_conflict_rows_show_hidden_engagements_without_links(w):
    parent = ClientFactory(firm=w.firm_a, office=w.branch_a)
    sub = ClientFactory(firm=w.firm_a, parent=parent)
    audit = EngagementFactory(client=sub, partner=w.partner_a)
    branch_service = EngagementFactory(client=parent, type="non_assurance", code="BR-1")
    rows = {row.engagement.code: row for row in conflicts.check(w.auditor_a, audit)}
    assert set(rows) == {"BR-1"}
    assert rows["BR-1"].self_review and str(rows["BR-1"].relation) == "Parent company"
    rows = {row.engagement.code: row for row in conflicts.check(w.branch_auditor, branch_service)}
    assert rows[audit.code].visible is False  # the branch cannot open the head office's engagement


def test_todo_collects_what_waits_for_each_person(w, eng):
    from cpahub.engagements.services import acceptance

    answer_all(w.manager_a, eng)
    acceptance.submit(w.manager_a, eng.acceptance)
    assert [a.engagement_id for a in todo.for_user(w.manager_a).approvals] == [eng.pk]
    assert todo.for_user(w.partner_a).approvals == []  # the manager's level comes first
    assert todo.for_user(w.branch_manager).approvals == []  # the branch cannot reach it
    soon = EngagementFactory(
        client=w.client_a,
        partner=w.partner_a,
        manager=w.manager_a,
        code="DUE-1",
        report_due=datetime.date.today() + datetime.timedelta(days=5),
    )
    issued = EngagementFactory(
        client=w.client_a,
        partner=w.partner_a,
        manager=w.manager_a,
        code="ARCH-1",
        status=Status.ISSUED,
        report_date=datetime.date.today() - datetime.timedelta(days=58),
    )
    Milestone.objects.create(
        engagement=soon, name="函证", due=datetime.date.today() - datetime.timedelta(days=1)
    )
    items = todo.for_user(w.partner_a)
    assert [e.code for e, _due, overdue in items.report_due] == ["DUE-1"]
    assert [(e.code, overdue) for e, _deadline, overdue in items.archive_due] == [("ARCH-1", False)]
    assert [m.name for m in items.milestones] == ["函证"]
    # Nobody else's deadlines: the auditor leads none of these.
    assert todo.for_user(w.auditor_a).report_due == []
    assert todo.for_user(w.partner_b).count == 0
    assert issued.archive_deadline == datetime.date.today() + datetime.timedelta(days=2)


def test_type_is_locked_once_the_acceptance_is_submitted(w, eng):
    from cpahub.engagements.services import acceptance

    engagements.update_engagement(w.manager_a, eng, type="special")
    eng.refresh_from_db()
    assert eng.acceptance.template.engagement_type == "special"
    answer_all(w.manager_a, eng)
    acceptance.submit(w.manager_a, eng.acceptance)
    with pytest.raises(ValidationError):
        engagements.update_engagement(w.manager_a, eng, type="review")


def test_named_people_must_belong_to_the_firm(w, eng):
    with pytest.raises(ValidationError) as error:
        engagements.update_engagement(w.manager_a, eng, partner=w.partner_b, manager=w.auditor_a)
    assert set(error.value.message_dict) == {"partner", "manager"}
    with pytest.raises(ValidationError):
        engagements.update_engagement(w.manager_a, eng, office=w.firm_b)


def test_quality_reviewer_cannot_be_the_partner(w, eng):
    with pytest.raises(ValidationError):
        team.save_member(w.manager_a, eng, user=w.partner_a, role=TeamRole.QUALITY_REVIEWER)
    with pytest.raises(ValidationError):
        team.save_member(w.manager_a, eng, user=w.auditor_a, role=TeamRole.PARTNER)
    with pytest.raises(ValidationError):
        team.save_budget_line(w.manager_a, eng, grade=w.grades_a["A"], hours=0)
    assert not BudgetLine.objects.filter(engagement=eng).exists()
