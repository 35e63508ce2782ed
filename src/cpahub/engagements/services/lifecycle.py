"""The engagement pipeline as a state machine: 承接 → 立项 → 外勤 → 三级复核 → 出具报告 → 归档.

Each step names the states it leaves, the state it reaches, who may take it and what must hold
first. Every move writes a StatusChange (who, when, from, to, comment). Views and the API call
`transition()`; acceptance approval calls `accept()`.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cpahub.engagements.choices import AcceptanceStatus, ReviewLevel, Status
from cpahub.engagements.models import Engagement, ReportNumber, StatusChange
from cpahub.engagements.services import independence, numbering, reviews
from cpahub.engagements.services.roles import (
    is_firm_partner,
    is_named_manager,
    is_named_partner,
    is_quality_partner,
    require,
)


def _manager_or_partner(user, e) -> bool:
    return is_named_manager(user, e) or is_named_partner(user, e)


def _partner(user, e) -> bool:
    return is_named_partner(user, e)


def _any_partner(user, e) -> bool:
    return is_named_partner(user, e) or is_firm_partner(user, e)


def _partner_or_quality(user, e) -> bool:
    return is_named_partner(user, e) or is_quality_partner(user, e.firm_id)


@dataclass(frozen=True)
class Step:
    label: str
    sources: frozenset
    target: str
    who: Callable
    who_label: str
    comment_required: bool = False
    style: str = "primary"


ACTIVE = frozenset({Status.PROPOSED, Status.ACCEPTED, Status.PLANNED, Status.FIELDWORK, Status.REVIEW})

STEPS: dict[str, Step] = {
    "plan": Step(
        gettext_lazy("Plan the engagement"),
        frozenset({Status.ACCEPTED}),
        Status.PLANNED,
        _manager_or_partner,
        gettext_lazy("the engagement manager or partner"),
    ),
    "start_fieldwork": Step(
        gettext_lazy("Start fieldwork"),
        frozenset({Status.PLANNED}),
        Status.FIELDWORK,
        _manager_or_partner,
        gettext_lazy("the engagement manager or partner"),
    ),
    "submit_review": Step(
        gettext_lazy("Submit for review"),
        frozenset({Status.FIELDWORK}),
        Status.REVIEW,
        _manager_or_partner,
        gettext_lazy("the engagement manager or partner"),
    ),
    "return_fieldwork": Step(
        gettext_lazy("Return to fieldwork"),
        frozenset({Status.REVIEW}),
        Status.FIELDWORK,
        _manager_or_partner,
        gettext_lazy("the engagement manager or partner"),
        comment_required=True,
        style="outline-secondary",
    ),
    "issue": Step(
        gettext_lazy("Issue the report"),
        frozenset({Status.REVIEW}),
        Status.ISSUED,
        _partner,
        gettext_lazy("the engagement partner"),
        style="success",
    ),
    "void_report": Step(
        gettext_lazy("Void the issued report"),
        frozenset({Status.ISSUED}),
        Status.REVIEW,
        _partner_or_quality,
        gettext_lazy("the engagement partner or a risk and quality partner"),
        comment_required=True,
        style="outline-danger",
    ),
    "archive": Step(
        gettext_lazy("Archive"),
        frozenset({Status.ISSUED}),
        Status.ARCHIVED,
        _manager_or_partner,
        gettext_lazy("the engagement manager or partner"),
    ),
    "decline": Step(
        gettext_lazy("Decline the engagement"),
        frozenset({Status.PROPOSED}),
        Status.DECLINED,
        _any_partner,
        gettext_lazy("the engagement partner or a partner of the firm"),
        comment_required=True,
        style="outline-danger",
    ),
    "cancel": Step(
        gettext_lazy("Cancel the engagement"),
        ACTIVE,
        Status.CANCELLED,
        _any_partner,
        gettext_lazy("the engagement partner or a partner of the firm"),
        comment_required=True,
        style="outline-danger",
    ),
}


def _not_now(step, engagement) -> str:
    return _("“%(step)s” is not possible while the engagement is %(status)s.") % {
        "step": step.label,
        "status": engagement.get_status_display(),
    }


def _not_yours(step) -> str:
    return _("Only %(who)s may do this.") % {"who": step.who_label}


def refusal(actor, engagement, name: str) -> str | None:
    """Why `actor` cannot take the step now (None: they can) — what `move` would refuse with."""
    step = STEPS[name]
    if engagement.status not in step.sources:
        return _not_now(step, engagement)
    if not step.who(actor, engagement):
        return _not_yours(step)
    return blocker(engagement, name)


def blocker(engagement, name: str) -> str | None:
    """What must happen before the step can be taken (None: nothing)."""
    e = engagement
    if name == "plan" and not (e.partner_id and e.manager_id):
        return _("Name the engagement partner and the manager first.")
    if name == "start_fieldwork":
        acceptance = getattr(e, "acceptance", None)
        if acceptance is None or acceptance.status != AcceptanceStatus.APPROVED:
            return _("Fieldwork cannot start until the acceptance is approved.")
        missing = independence.outstanding(e)
        if missing:
            return _("Independence is not cleared for: %(people)s.") % {
                "people": ", ".join(map(str, missing))
            }
    if name == "issue":
        unsigned = reviews.unsigned_levels(e)
        if unsigned:
            return _("Sign-off missing: %(levels)s.") % {
                "levels": "; ".join(str(ReviewLevel(level).label) for level in unsigned)
            }
    return None


def actions_for(user, engagement) -> list[dict]:
    """The steps the user may take from the current state, each with what still blocks it."""
    found = []
    for name, step in STEPS.items():
        if engagement.status in step.sources and step.who(user, engagement):
            found.append({"name": name, "step": step, "blocker": blocker(engagement, name)})
    return found


def _move(actor, engagement, action: str, target: str, comment: str) -> StatusChange:
    change = StatusChange.objects.create(
        engagement=engagement,
        action=action,
        from_status=engagement.status,
        to_status=target,
        user=actor,
        comment=comment,
    )
    engagement.status = target
    engagement.save()
    return change


@transaction.atomic
def transition(
    actor,
    engagement,
    name: str,
    *,
    comment: str = "",
    report_date: datetime.date | None = None,
    archived_on: datetime.date | None = None,
) -> StatusChange:
    """Take the step `name` on the engagement, or refuse with the reason."""
    step = STEPS.get(name)
    if step is None:
        raise ValidationError(_("Unknown step."))
    engagement = Engagement.objects.select_for_update().get(pk=engagement.pk)
    comment = comment.strip()
    if engagement.status not in step.sources:
        raise ValidationError(_not_now(step, engagement))
    require(step.who(actor, engagement), _not_yours(step))
    if step.comment_required and not comment:
        raise ValidationError({"comment": _("A comment is required for this step.")})
    reason = blocker(engagement, name)
    if reason:
        raise ValidationError(reason)
    today = timezone.localdate()
    if name == "issue":
        report_date = report_date or today
        if report_date > today:
            raise ValidationError({"report_date": _("The report date cannot be in the future.")})
        number = numbering.allocate(engagement, actor=actor, report_date=report_date)
        engagement.report_number = number.number
        engagement.report_date = report_date
    elif name == "void_report":
        current = ReportNumber.objects.filter(
            engagement=engagement, void=False, number=engagement.report_number
        )
        for number in current:
            numbering.void(number, actor=actor, reason=comment)
        engagement.report_number = ""
        engagement.report_date = None
        reviews.supersede(engagement)
    elif name == "return_fieldwork":
        reviews.supersede(engagement)
    elif name == "archive":
        archived_on = archived_on or today
        if archived_on < engagement.report_date or archived_on > today:
            raise ValidationError(
                {"archived_on": _("The archive date must be between the report date and today.")}
            )
        engagement.archived_on = archived_on
    return _move(actor, engagement, name, step.target, comment)


def accept(actor, engagement, *, comment: str = "") -> StatusChange:
    """Proposed → accepted; called by the acceptance service when the last approval is given."""
    engagement = Engagement.objects.select_for_update().get(pk=engagement.pk)
    if engagement.status != Status.PROPOSED:
        raise ValidationError(_("The engagement is no longer awaiting acceptance."))
    return _move(actor, engagement, "accept", Status.ACCEPTED, comment)


def record_creation(actor, engagement) -> StatusChange:
    return StatusChange.objects.create(
        engagement=engagement, action="create", from_status="", to_status=engagement.status, user=actor
    )
