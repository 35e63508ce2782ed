"""Acceptance and continuance (业务承接评价): answering, scoring, submitting and approving by level.

Approval ladder: the manager, then a partner, then (for high risk) a risk and quality partner. Each
decision is a row with who, when and why. Nobody decides at two levels of the same submission, and
whoever prepared it cannot approve it as partner or quality partner. Approval needs a clean blacklist
check and cleared independence declarations of the whole current team.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cpahub.accounts.choices import Role
from cpahub.core.permissions import CHANGE, can
from cpahub.engagements.choices import AcceptanceStatus, ApprovalLevel, Decision, RiskLevel, Status
from cpahub.engagements.models import Acceptance, AcceptanceAnswer, AcceptanceApproval, AnswerOption
from cpahub.engagements.services import independence, questionnaires
from cpahub.engagements.services.roles import (
    holds_in_firm,
    is_firm_partner,
    is_named_manager,
    is_named_partner,
    is_quality_partner,
    require,
)

EDITABLE = (AcceptanceStatus.DRAFT, AcceptanceStatus.RETURNED)


def ensure_acceptance(engagement, kind=None) -> Acceptance:
    """The engagement's acceptance evaluation, made with the firm's current questionnaire if missing.

    A draft still open moves to the current version of the questionnaire, keeping the answers that fit.
    """
    existing = Acceptance.objects.filter(engagement=engagement).select_related("engagement").first()
    if existing:
        if existing.status in EDITABLE and engagement.status == Status.PROPOSED:
            with transaction.atomic():
                _use_current_template(existing)
        return existing
    template = questionnaires.current_template(engagement.firm, engagement.type)
    return Acceptance.objects.create(
        engagement=engagement, template=template, **({"kind": kind} if kind else {})
    )


def may_prepare(user, acceptance) -> bool:
    engagement = acceptance.engagement
    return (
        can(user, CHANGE, engagement)
        or is_named_manager(user, engagement)
        or is_named_partner(user, engagement)
    )


def score(acceptance) -> tuple[int, bool]:
    """(total score, whether an answer forces high risk)."""
    total, forced = 0, False
    for answer in acceptance.answers.select_related("option"):
        total += answer.option.score
        forced = forced or answer.option.forces_high
    return total, forced


def _rescore(acceptance) -> None:
    total, forced = score(acceptance)
    acceptance.score = total
    acceptance.risk_level = (
        acceptance.template.level_for(total, forced) if acceptance.answers.exists() else ""
    )


def _use_current_template(acceptance) -> None:
    """A draft moves to the firm's current questionnaire, keeping answers whose question still exists."""
    current = questionnaires.current_template(acceptance.engagement.firm, acceptance.engagement.type)
    if current.pk == acceptance.template_id:
        return
    carry_answers(
        acceptance, {a.question.key: (a.option.label, a.note) for a in acceptance.answers.all()}, current
    )


def carry_answers(acceptance, answers: dict[str, tuple[str, str]], template) -> None:
    """Set `template` and the answers {question key: (answer text, note)} that still fit it."""
    acceptance.answers.all().delete()
    acceptance.template = template
    for question in template.questions.prefetch_related("options"):
        found = answers.get(question.key)
        if not found:
            continue
        option = next((o for o in question.options.all() if o.label == found[0]), None)
        if option is not None:
            AcceptanceAnswer.objects.create(
                acceptance=acceptance, question=question, option=option, note=found[1]
            )
    _rescore(acceptance)
    acceptance.save()


def _editable(acceptance) -> None:
    if acceptance.status not in EDITABLE:
        raise ValidationError(_("The evaluation has been submitted; it can be changed only when returned."))
    if acceptance.engagement.status != Status.PROPOSED:
        raise ValidationError(_("The engagement is no longer awaiting acceptance."))


@transaction.atomic
def save_answers(actor, acceptance, *, answers: dict[int, tuple[int, str]], conclusion: str) -> Acceptance:
    """Record answers {question id: (option id, note)} and the preparer's conclusion; rescore."""
    acceptance = Acceptance.objects.select_for_update().select_related("engagement").get(pk=acceptance.pk)
    require(may_prepare(actor, acceptance))
    _editable(acceptance)
    questions = {q.pk: q for q in acceptance.template.questions.all()}
    options = {o.pk: o for o in AnswerOption.objects.filter(question__template=acceptance.template)}
    for question_id, (option_id, note) in answers.items():
        question = questions.get(question_id)
        option = options.get(option_id)
        if question is None or option is None or option.question_id != question.pk:
            raise ValidationError(_("An answer does not belong to this questionnaire."))
        AcceptanceAnswer.objects.update_or_create(
            acceptance=acceptance, question=question, defaults={"option": option, "note": note.strip()}
        )
    acceptance.conclusion = conclusion.strip()
    _rescore(acceptance)
    acceptance.save()
    return acceptance


def blacklist_hit(engagement):
    """The firm's blacklist entry matching the client, if any (the clients app decides the match)."""
    from cpahub.clients.services import blacklist_match

    client = engagement.client
    return blacklist_match(engagement.firm, name=client.name, credit_code=client.credit_code)


def _refuse_blacklisted(engagement) -> None:
    hit = blacklist_hit(engagement)
    if hit:
        reason = getattr(hit, "reason", "")
        raise ValidationError(
            _("The client is on the firm's blacklist and cannot be accepted. %(reason)s") % {"reason": reason}
        )


@transaction.atomic
def submit(actor, acceptance) -> Acceptance:
    acceptance = Acceptance.objects.select_for_update().select_related("engagement").get(pk=acceptance.pk)
    require(may_prepare(actor, acceptance))
    _editable(acceptance)
    _use_current_template(acceptance)
    missing = acceptance.template.questions.exclude(pk__in=acceptance.answers.values("question_id")).count()
    if missing:
        raise ValidationError(_("Answer every question first (%(n)d unanswered).") % {"n": missing})
    _refuse_blacklisted(acceptance.engagement)
    _rescore(acceptance)
    acceptance.status = AcceptanceStatus.SUBMITTED
    acceptance.round += 1
    acceptance.prepared_by = actor
    acceptance.submitted_at = timezone.now()
    acceptance.decided_at = None
    acceptance.save()
    return acceptance


def required_levels(acceptance) -> list[str]:
    levels = [ApprovalLevel.MANAGER, ApprovalLevel.PARTNER]
    if acceptance.risk_level == RiskLevel.HIGH:
        levels.append(ApprovalLevel.QUALITY)
    return levels


def round_approvals(acceptance):
    return acceptance.approvals.filter(round=acceptance.round).select_related("user")


def next_level(acceptance) -> str | None:
    """The level whose decision is awaited, or None when nothing is awaited."""
    if acceptance.status != AcceptanceStatus.SUBMITTED:
        return None
    done = set(round_approvals(acceptance).values_list("level", flat=True))
    return next((level for level in required_levels(acceptance) if level not in done), None)


def why_not_approver(user, acceptance, level=None) -> str | None:
    """Why `user` may not decide the awaited level now (None: they may)."""
    level = level or next_level(acceptance)
    engagement = acceptance.engagement
    if level is None:
        return _("Nothing awaits a decision.")
    if round_approvals(acceptance).filter(user_id=user.pk).exists():
        return _("You have already decided at another level of this submission.")
    if level != ApprovalLevel.MANAGER and acceptance.prepared_by_id == user.pk:
        return _("Whoever prepared the evaluation cannot approve it as partner or quality partner.")
    if level == ApprovalLevel.MANAGER:
        # The engagement's manager, or a (department) manager of the firm who reaches it.
        eligible = is_named_manager(user, engagement) or (
            can(user, CHANGE, engagement) and holds_in_firm(user, engagement, Role.MANAGER)
        )
    elif level == ApprovalLevel.PARTNER:
        eligible = is_named_partner(user, engagement) or is_firm_partner(user, engagement)
    else:
        eligible = is_quality_partner(user, engagement.firm_id)
    if not eligible:
        return _("Only %(level)s may decide at this level.") % {"level": _level_who(level)}
    return None


def _level_who(level) -> str:
    return {
        ApprovalLevel.MANAGER: _("the engagement manager or a department manager of the firm"),
        ApprovalLevel.PARTNER: _("the engagement partner or a partner of the firm"),
        ApprovalLevel.QUALITY: _("a risk and quality partner of the firm"),
    }[level]


@transaction.atomic
def decide(actor, acceptance, *, decision: str, comment: str = "") -> AcceptanceApproval:
    """Approve or reject at the awaited level; the last approval accepts the engagement."""
    from cpahub.engagements.services import lifecycle

    acceptance = Acceptance.objects.select_for_update().select_related("engagement").get(pk=acceptance.pk)
    if acceptance.status != AcceptanceStatus.SUBMITTED:
        raise ValidationError(_("The evaluation is not awaiting approval."))
    level = next_level(acceptance)
    reason = why_not_approver(actor, acceptance, level)
    require(reason is None, reason)
    engagement = acceptance.engagement
    if decision == Decision.REJECTED:
        if not comment.strip():
            raise ValidationError({"comment": _("Say why the evaluation is rejected.")})
    elif decision == Decision.APPROVED:
        _refuse_blacklisted(engagement)
        missing = independence.outstanding(engagement)
        if missing:
            raise ValidationError(
                _("Independence is not cleared for: %(people)s.")
                % {"people": ", ".join(str(u) for u in missing)}
            )
    else:
        raise ValidationError(_("Unknown decision."))
    approval = AcceptanceApproval.objects.create(
        acceptance=acceptance,
        round=acceptance.round,
        level=level,
        decision=decision,
        user=actor,
        comment=comment.strip(),
    )
    if decision == Decision.REJECTED:
        acceptance.status = AcceptanceStatus.RETURNED
        acceptance.decided_at = timezone.now()
        acceptance.save()
    elif next_level(acceptance) is None:
        acceptance.status = AcceptanceStatus.APPROVED
        acceptance.decided_at = timezone.now()
        acceptance.save()
        lifecycle.accept(actor, engagement, comment=comment)
    return approval


def awaiting(user, engagements):
    """Acceptances among `engagements` whose awaited level `user` may decide now."""
    found = []
    for acceptance in Acceptance.objects.filter(
        engagement__in=engagements, status=AcceptanceStatus.SUBMITTED
    ).select_related("engagement", "engagement__client"):
        if why_not_approver(user, acceptance) is None:
            found.append(acceptance)
    return found
