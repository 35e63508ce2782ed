"""The pipeline state machine: every step from every state, who may take it, what must hold first."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from cpahub.engagements.choices import ReviewLevel, Status, TeamRole
from cpahub.engagements.models import Engagement, ReportNumber
from cpahub.engagements.services import engagements, lifecycle, reviews, team
from cpahub.practice.models import FirmSettings
from cpahub.testing.engagements import accept, drive, sign_all
from cpahub.testing.practice import staff

pytestmark = pytest.mark.django_db


class _Rollback(Exception):
    pass


def may(actor, eng, name, **kwargs) -> bool:
    """Whether `actor` may take the step now (the attempt is rolled back)."""
    try:
        with transaction.atomic():
            lifecycle.transition(actor, eng, name, comment="test", **kwargs)
            raise _Rollback
    except _Rollback:
        return True
    except PermissionDenied:
        return False


def people(w):
    return {
        "partner": w.partner_a,
        "manager": w.manager_a,
        "quality": w.quality_a,
        "auditor": w.auditor_a,
        "finance": w.finance_a,
        "admin": w.admin_a,
        "branch_manager": w.branch_manager,
        "partner_b": w.partner_b,
        "assoc": w.assoc,
    }


def who(w, eng, name, **kwargs) -> set[str]:
    return {key for key, user in people(w).items() if may(user, eng, name, **kwargs)}


MANAGER_OR_PARTNER = {"partner", "manager"}
ANY_PARTNER = {"partner", "quality"}  # quality_a is a partner of firm A too


def test_every_step_is_refused_from_every_state_it_does_not_leave(w, eng):
    wrong = []
    for status in Status.values:
        Engagement.objects.filter(pk=eng.pk).update(status=status)
        eng.refresh_from_db()
        for name, step in lifecycle.STEPS.items():
            if status in step.sources:
                continue
            try:
                lifecycle.transition(w.partner_a, eng, name, comment="x")
            except ValidationError as error:
                if "not possible" not in " ".join(error.messages):
                    wrong.append((status, name, error.messages))
            else:
                wrong.append((status, name, "allowed"))
    assert wrong == []


def test_the_allowed_steps_and_who_may_take_them(w, eng):
    assert who(w, eng, "decline") == ANY_PARTNER
    assert who(w, eng, "cancel") == ANY_PARTNER
    accept(w, eng)
    assert who(w, eng, "plan") == MANAGER_OR_PARTNER
    assert who(w, eng, "cancel") == ANY_PARTNER
    lifecycle.transition(w.manager_a, eng, "plan")
    assert who(w, eng, "start_fieldwork") == MANAGER_OR_PARTNER
    lifecycle.transition(w.manager_a, eng, "start_fieldwork")
    assert who(w, eng, "submit_review") == MANAGER_OR_PARTNER
    assert who(w, eng, "cancel") == ANY_PARTNER
    lifecycle.transition(w.manager_a, eng, "submit_review")
    assert who(w, eng, "return_fieldwork") == MANAGER_OR_PARTNER
    sign_all(w, eng)
    assert who(w, eng, "issue") == {"partner"}
    lifecycle.transition(w.partner_a, eng, "issue")
    assert who(w, eng, "void_report") == {"partner", "quality"}
    assert who(w, eng, "archive") == MANAGER_OR_PARTNER
    lifecycle.transition(w.manager_a, eng, "archive")
    eng.refresh_from_db()
    assert eng.status == Status.ARCHIVED
    assert lifecycle.actions_for(w.partner_a, eng) == []


def test_every_move_is_logged_with_who_when_from_and_to(w, eng):
    drive(w, eng, Status.ARCHIVED)
    rows = list(
        eng.status_changes.order_by("pk").values_list("action", "from_status", "to_status", "user_id")
    )
    assert rows == [
        ("create", "", Status.PROPOSED, w.partner_a.pk),
        ("accept", Status.PROPOSED, Status.ACCEPTED, w.partner_a.pk),
        ("plan", Status.ACCEPTED, Status.PLANNED, w.manager_a.pk),
        ("start_fieldwork", Status.PLANNED, Status.FIELDWORK, w.manager_a.pk),
        ("submit_review", Status.FIELDWORK, Status.REVIEW, w.manager_a.pk),
        ("issue", Status.REVIEW, Status.ISSUED, w.partner_a.pk),
        ("archive", Status.ISSUED, Status.ARCHIVED, w.manager_a.pk),
    ]
    assert all(change.created for change in eng.status_changes.all())


def test_fieldwork_cannot_start_before_acceptance_is_approved(w, eng):
    Engagement.objects.filter(pk=eng.pk).update(status=Status.PLANNED)
    eng.refresh_from_db()
    with pytest.raises(ValidationError, match="acceptance is approved"):
        lifecycle.transition(w.manager_a, eng, "start_fieldwork")
    blocked = {a["name"]: a["blocker"] for a in lifecycle.actions_for(w.manager_a, eng)}
    assert "acceptance" in blocked["start_fieldwork"]


def test_fieldwork_waits_for_the_independence_of_members_added_after_acceptance(w, eng):
    drive(w, eng, Status.PLANNED)
    team.save_member(w.manager_a, eng, user=w.auditor_a, role=TeamRole.STAFF)
    with pytest.raises(ValidationError, match="Independence"):
        lifecycle.transition(w.manager_a, eng, "start_fieldwork")


def test_planning_needs_a_named_partner_and_manager(w):
    from cpahub.testing.practice import ClientFactory

    bare = engagements.create_engagement(
        w.manager_a, client=ClientFactory(firm=w.firm_a), type="review", manager=w.manager_a
    )
    Engagement.objects.filter(pk=bare.pk).update(status=Status.ACCEPTED)
    bare.refresh_from_db()
    with pytest.raises(ValidationError, match="partner"):
        lifecycle.transition(w.manager_a, bare, "plan")


def test_comment_required_for_declining_cancelling_returning_and_voiding(w, eng):
    with pytest.raises(ValidationError):
        lifecycle.transition(w.partner_a, eng, "decline", comment=" ")
    lifecycle.transition(w.partner_a, eng, "decline", comment="管理层诚信存疑")
    eng.refresh_from_db()
    assert eng.status == Status.DECLINED
    with pytest.raises(ValidationError):
        engagements.update_engagement(w.partner_a, eng, notes="x")


def test_three_review_levels_in_order_by_different_eligible_people(w, eng):
    drive(w, eng, Status.REVIEW)
    with pytest.raises(ValidationError, match="Sign-off missing"):
        lifecycle.transition(w.partner_a, eng, "issue")
    # Level 1 is the engagement manager's.
    for not_eligible in (w.partner_a, w.auditor_a, w.quality_a):
        with pytest.raises(PermissionDenied):
            reviews.sign_off(not_eligible, eng)
    reviews.sign_off(w.manager_a, eng, comment="底稿已复核")
    # Level 2: the manager already signed level 1; staff are not eligible; the partner is.
    for not_eligible in (w.manager_a, w.auditor_a):
        with pytest.raises(PermissionDenied):
            reviews.sign_off(not_eligible, eng)
    reviews.sign_off(w.partner_a, eng)
    # Level 3: a quality partner or the engagement's quality reviewer, nobody who signed before.
    for not_eligible in (w.partner_a, w.manager_a):
        with pytest.raises(PermissionDenied):
            reviews.sign_off(not_eligible, eng)
    reviewer = staff("partner", w.firm_a, w.grades_a["P"])
    team.save_member(w.partner_a, eng, user=reviewer, role=TeamRole.QUALITY_REVIEWER)
    assert reviews.why_not_signer(reviewer, eng) is None
    signoff = reviews.sign_off(reviewer, eng)
    assert signoff.level == ReviewLevel.QUALITY
    assert reviews.unsigned_levels(eng) == []
    with pytest.raises(ValidationError):
        reviews.sign_off(w.quality_a, eng)
    lifecycle.transition(w.partner_a, eng, "issue")


def test_signing_is_only_possible_in_review(w, eng):
    drive(w, eng, Status.FIELDWORK)
    with pytest.raises(ValidationError):
        reviews.sign_off(w.manager_a, eng)


def test_returning_to_fieldwork_starts_the_review_over(w, eng):
    drive(w, eng, Status.REVIEW)
    reviews.sign_off(w.manager_a, eng)
    lifecycle.transition(w.manager_a, eng, "return_fieldwork", comment="补充函证程序")
    lifecycle.transition(w.manager_a, eng, "submit_review")
    assert reviews.unsigned_levels(eng) == [1, 2, 3]
    assert eng.signoffs.filter(superseded=True).count() == 1


def test_issue_takes_a_number_and_void_keeps_it_void(w, eng):
    drive(w, eng, Status.ISSUED, report_date=datetime.date(2025, 3, 20))
    assert eng.report_number == "审字〔2025〕第0001号"
    assert eng.report_date == datetime.date(2025, 3, 20)
    with pytest.raises(ValidationError):
        lifecycle.transition(w.partner_a, eng, "void_report", comment="")
    lifecycle.transition(w.quality_a, eng, "void_report", comment="出具对象错误")
    eng.refresh_from_db()
    assert (eng.status, eng.report_number, eng.report_date) == (Status.REVIEW, "", None)
    voided = ReportNumber.objects.get(engagement=eng)
    assert voided.void and voided.void_reason == "出具对象错误" and voided.voided_by_id == w.quality_a.pk
    assert reviews.unsigned_levels(eng) == [1, 2, 3]
    sign_all(w, eng)
    lifecycle.transition(w.partner_a, eng, "issue", report_date=datetime.date(2025, 3, 21))
    eng.refresh_from_db()
    assert eng.report_number == "审字〔2025〕第0002号"
    assert list(ReportNumber.objects.filter(engagement=eng).values_list("seq", "void")) == [
        (1, True),
        (2, False),
    ]


def test_report_date_cannot_be_in_the_future(w, eng):
    drive(w, eng, Status.REVIEW)
    sign_all(w, eng)
    with pytest.raises(ValidationError):
        lifecycle.transition(
            w.partner_a, eng, "issue", report_date=datetime.date.today() + datetime.timedelta(days=3)
        )
    assert not ReportNumber.objects.exists()


def test_archive_date_and_deadline(w, eng):
    drive(w, eng, Status.ISSUED, report_date=datetime.date(2025, 3, 20))
    assert eng.archive_deadline == datetime.date(2025, 5, 19)
    settings = FirmSettings.for_firm(w.firm_a)
    settings.archive_days = 30
    settings.save()
    assert eng.archive_deadline == datetime.date(2025, 4, 19)
    with pytest.raises(ValidationError):
        lifecycle.transition(w.manager_a, eng, "archive", archived_on=datetime.date(2025, 3, 1))
    lifecycle.transition(w.manager_a, eng, "archive", archived_on=datetime.date(2025, 4, 1))
    eng.refresh_from_db()
    assert eng.archived_on == datetime.date(2025, 4, 1)


def test_unknown_steps_are_refused(w, eng):
    with pytest.raises(ValidationError):
        lifecycle.transition(w.partner_a, eng, "accept")
