"""Acceptance (业务承接评价): default questionnaires, scoring, the approval ladder and its rules."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cpahub.clients.models import BlacklistEntry
from cpahub.engagements.choices import (
    AcceptanceStatus,
    ApprovalLevel,
    Decision,
    EngagementType,
    RiskLevel,
    Status,
)
from cpahub.engagements.models import AcceptanceApproval, QuestionnaireTemplate
from cpahub.engagements.services import acceptance as service
from cpahub.engagements.services import questionnaires
from cpahub.testing.engagements import answer_all, declare_all

pytestmark = pytest.mark.django_db

APPROVE = Decision.APPROVED


def submitted(w, eng, risk="low", preparer=None):
    answer_all(preparer or w.manager_a, eng, risk)
    declare_all(eng)
    return service.submit(preparer or w.manager_a, eng.acceptance)


def test_default_questionnaire_per_type_is_seeded_once(w):
    audit = questionnaires.current_template(w.firm_a, EngagementType.FS_AUDIT)
    keys = list(audit.questions.values_list("key", flat=True))
    for key in (
        "integrity",
        "independence",
        "going_concern",
        "predecessor",
        "competence",
        "fee",
        "public_interest",
    ):
        assert key in keys
    capital = questionnaires.current_template(w.firm_a, EngagementType.CAPITAL_VERIFICATION)
    assert "funding_source" in capital.questions.values_list("key", flat=True)
    assert "going_concern" not in capital.questions.values_list("key", flat=True)
    assert questionnaires.current_template(w.firm_a, EngagementType.FS_AUDIT).pk == audit.pk
    assert (
        QuestionnaireTemplate.objects.filter(firm=w.firm_a, engagement_type=EngagementType.FS_AUDIT).count()
        == 1
    )
    assert (audit.medium_from, audit.high_from) == (10, 20)
    # Each firm has its own copy.
    assert questionnaires.current_template(w.firm_b, EngagementType.FS_AUDIT).pk != audit.pk


def test_scores_and_levels_follow_the_template_thresholds(w, eng):
    acceptance = answer_all(w.manager_a, eng, "low")
    assert (acceptance.score, acceptance.risk_level) == (0, RiskLevel.LOW)
    template = acceptance.template
    questions = list(template.questions.prefetch_related("options"))

    def pick(scores_wanted):
        answers = {}
        for question in questions:
            options = sorted(question.options.all(), key=lambda o: o.score)
            wanted = scores_wanted.get(question.key)
            option = next((o for o in options if o.score == wanted), options[0])
            answers[question.pk] = (option.pk, "")
        return service.save_answers(w.manager_a, acceptance, answers=answers, conclusion="")

    # fee 5 + litigation 5 = 10: medium from 10
    acceptance = pick({"fee": 5, "litigation": 5})
    assert (acceptance.score, acceptance.risk_level) == (10, RiskLevel.MEDIUM)
    acceptance = pick({"fee": 2, "litigation": 5})
    assert (acceptance.score, acceptance.risk_level) == (7, RiskLevel.LOW)
    acceptance = pick({"fee": 5, "litigation": 5, "scope": 6, "public_interest": 4})
    assert (acceptance.score, acceptance.risk_level) == (20, RiskLevel.HIGH)
    # An answer marked "always high risk" makes it high whatever the score.
    acceptance = pick({"integrity": 10})
    assert (acceptance.score, acceptance.risk_level) == (10, RiskLevel.HIGH)


def test_answers_must_belong_to_the_questionnaire(w, eng):
    acceptance = service.ensure_acceptance(eng)
    other = questionnaires.current_template(w.firm_a, EngagementType.CAPITAL_VERIFICATION)
    question = acceptance.template.questions.first()
    foreign = other.questions.first().options.first()
    with pytest.raises(ValidationError):
        service.save_answers(w.manager_a, acceptance, answers={question.pk: (foreign.pk, "")}, conclusion="")


def test_every_question_must_be_answered_before_submission(w, eng):
    acceptance = service.ensure_acceptance(eng)
    question = acceptance.template.questions.first()
    service.save_answers(
        w.manager_a, acceptance, answers={question.pk: (question.options.first().pk, "")}, conclusion=""
    )
    with pytest.raises(ValidationError, match="unanswered"):
        service.submit(w.manager_a, acceptance)


def test_low_risk_needs_manager_then_partner_and_accepts_the_engagement(w, eng):
    acceptance = submitted(w, eng)
    assert service.required_levels(acceptance) == [ApprovalLevel.MANAGER, ApprovalLevel.PARTNER]
    assert service.next_level(acceptance) == ApprovalLevel.MANAGER
    service.decide(w.manager_a, acceptance, decision=APPROVE, comment="manager ok")
    assert service.next_level(acceptance) == ApprovalLevel.PARTNER
    eng.refresh_from_db()
    assert eng.status == Status.PROPOSED
    service.decide(w.partner_a, acceptance, decision=APPROVE, comment="partner ok")
    acceptance.refresh_from_db()
    eng.refresh_from_db()
    assert acceptance.status == AcceptanceStatus.APPROVED
    assert eng.status == Status.ACCEPTED
    rows = list(acceptance.approvals.order_by("pk").values_list("level", "user_id", "decision", "comment"))
    assert rows == [
        (ApprovalLevel.MANAGER, w.manager_a.pk, APPROVE, "manager ok"),
        (ApprovalLevel.PARTNER, w.partner_a.pk, APPROVE, "partner ok"),
    ]
    change = eng.status_changes.get(action="accept")
    assert (change.from_status, change.to_status, change.user_id) == (
        Status.PROPOSED,
        Status.ACCEPTED,
        w.partner_a.pk,
    )


def test_high_risk_needs_the_quality_partner(w, eng):
    acceptance = submitted(w, eng, "high")
    assert acceptance.risk_level == RiskLevel.HIGH
    service.decide(w.manager_a, acceptance, decision=APPROVE)
    service.decide(w.partner_a, acceptance, decision=APPROVE)
    acceptance.refresh_from_db()
    assert acceptance.status == AcceptanceStatus.SUBMITTED
    assert service.next_level(acceptance) == ApprovalLevel.QUALITY
    # An ordinary partner is not a risk and quality partner.
    other_partner = __import__("cpahub.testing.practice", fromlist=["staff"]).staff("partner", w.firm_a)
    with pytest.raises(PermissionDenied):
        service.decide(other_partner, acceptance, decision=APPROVE)
    service.decide(w.quality_a, acceptance, decision=APPROVE)
    acceptance.refresh_from_db()
    assert acceptance.status == AcceptanceStatus.APPROVED


def test_levels_are_taken_in_order_by_eligible_people_only(w, eng):
    acceptance = submitted(w, eng)
    # Staff and finance cannot decide at the manager level; another firm's partner cannot either.
    for outsider in (w.auditor_a, w.finance_a, w.partner_b):
        with pytest.raises(PermissionDenied):
            service.decide(outsider, acceptance, decision=APPROVE)
    service.decide(w.manager_a, acceptance, decision=APPROVE)
    # The manager level is done: a manager cannot act at the partner level.
    with pytest.raises(PermissionDenied):
        service.decide(w.branch_manager, acceptance, decision=APPROVE)


def test_nobody_decides_at_two_levels(w, eng):
    from cpahub.engagements.services import engagements
    from cpahub.testing.practice import staff

    partner_manager = staff("partner", w.firm_a)  # a partner named as the engagement's manager
    engagements.update_engagement(w.partner_a, eng, manager=partner_manager)
    acceptance = submitted(w, eng)
    service.decide(partner_manager, acceptance, decision=APPROVE)
    assert service.next_level(acceptance) == ApprovalLevel.PARTNER
    with pytest.raises(PermissionDenied, match="already decided"):
        service.decide(partner_manager, acceptance, decision=APPROVE)
    assert AcceptanceApproval.objects.filter(acceptance=acceptance).count() == 1


def test_partners_who_are_not_the_manager_wait_for_the_manager_level(w, eng):
    acceptance = submitted(w, eng)
    with pytest.raises(PermissionDenied):
        service.decide(w.partner_a, acceptance, decision=APPROVE)


def test_the_preparer_cannot_approve_as_partner_or_quality_partner(w, eng):
    acceptance = submitted(w, eng, "high", preparer=w.partner_a)
    service.decide(w.manager_a, acceptance, decision=APPROVE)
    with pytest.raises(PermissionDenied, match="prepared"):
        service.decide(w.partner_a, acceptance, decision=APPROVE)
    # The quality partner approves at the partner level; the quality level then needs someone else.
    service.decide(w.quality_a, acceptance, decision=APPROVE)
    with pytest.raises(PermissionDenied):
        service.decide(w.quality_a, acceptance, decision=APPROVE)


def test_the_preparer_may_approve_at_the_manager_level(w, eng):
    acceptance = submitted(w, eng)
    service.decide(w.manager_a, acceptance, decision=APPROVE)
    assert service.next_level(acceptance) == ApprovalLevel.PARTNER


def test_rejection_needs_a_reason_returns_it_and_a_resubmission_starts_over(w, eng):
    acceptance = submitted(w, eng)
    service.decide(w.manager_a, acceptance, decision=APPROVE)
    with pytest.raises(ValidationError):
        service.decide(w.partner_a, acceptance, decision=Decision.REJECTED, comment="  ")
    service.decide(w.partner_a, acceptance, decision=Decision.REJECTED, comment="fee too low")
    acceptance.refresh_from_db()
    assert acceptance.status == AcceptanceStatus.RETURNED
    with pytest.raises(ValidationError):
        service.decide(w.manager_a, acceptance, decision=APPROVE)
    acceptance = service.submit(w.manager_a, acceptance)
    assert acceptance.round == 2
    assert service.next_level(acceptance) == ApprovalLevel.MANAGER
    service.decide(w.manager_a, acceptance, decision=APPROVE)
    service.decide(w.partner_a, acceptance, decision=APPROVE)
    acceptance.refresh_from_db()
    assert acceptance.status == AcceptanceStatus.APPROVED
    assert acceptance.approvals.filter(round=1).count() == 2


def test_a_submitted_evaluation_cannot_be_changed(w, eng):
    acceptance = submitted(w, eng)
    with pytest.raises(ValidationError):
        answer_all(w.manager_a, eng, "high")
    assert acceptance.score == 0


def test_staff_cannot_prepare_or_submit(w, eng):
    with pytest.raises(PermissionDenied):
        answer_all(w.auditor_a, eng)
    answer_all(w.manager_a, eng)
    with pytest.raises(PermissionDenied):
        service.submit(w.auditor_a, eng.acceptance)


def _blacklist(w, client):
    return BlacklistEntry.objects.create(
        firm=w.firm_a, name=client.name, credit_code=client.credit_code, reason="欺诈"
    )


def test_a_blacklisted_client_cannot_be_submitted(w, eng):
    answer_all(w.manager_a, eng)
    _blacklist(w, eng.client)
    with pytest.raises(ValidationError, match="blacklist"):
        service.submit(w.manager_a, eng.acceptance)


def test_a_client_blacklisted_after_submission_cannot_be_approved(w, eng):
    acceptance = submitted(w, eng)
    service.decide(w.manager_a, acceptance, decision=APPROVE)
    _blacklist(w, eng.client)
    with pytest.raises(ValidationError, match="blacklist"):
        service.decide(w.partner_a, acceptance, decision=APPROVE)
    eng.refresh_from_db()
    assert eng.status == Status.PROPOSED
    # Rejecting stays possible.
    service.decide(w.partner_a, acceptance, decision=Decision.REJECTED, comment="blacklisted")


def test_a_draft_moves_to_the_current_questionnaire_keeping_answers(w, eng):
    acceptance = answer_all(w.manager_a, eng)
    old = acceptance.template
    # Another engagement uses the version, so editing makes version 2.
    other = __import__("cpahub.testing.practice", fromlist=["EngagementFactory"]).EngagementFactory(
        client=w.client_a, type="fs_audit", period_end=__import__("datetime").date(2024, 12, 31)
    )
    service.ensure_acceptance(other)
    new, _question = questionnaires.save_question(
        w.partner_a,
        old,
        question_key=None,
        text="Does the client use a shared-service centre?",
        guidance="",
        position=99,
        options=[("No", 0, False), ("Yes", 1, False)],
    )
    assert new.version == 2 and new.current
    # Submitting refuses (and changes nothing); opening the draft moves it to the new version.
    with pytest.raises(ValidationError, match="1 unanswered"):
        service.submit(w.manager_a, acceptance)
    acceptance = service.ensure_acceptance(eng)
    assert acceptance.template_id == new.pk
    assert acceptance.answers.count() == old.questions.count()
