"""A week's way: submitted by the person, approved or rejected line by line, reopened with a reason.

Engagement lines are decided by the engagement's managers (or its partner); lines outside engagements
by the person's line manager (a partner or firm administrator of the office). Nobody decides on their
own time. Approval copies the person's grade and its rates onto each entry and locks it.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from cpahub.core.permissions import scope_for
from cpahub.practice.access import PARTNERS, firm_q
from cpahub.timesheets.access import approvable_q
from cpahub.timesheets.choices import EDITABLE, EventKind, Status
from cpahub.timesheets.models import TimeEntry, Timesheet, TimesheetEvent
from cpahub.timesheets.services.bulk import save_all, snapshots
from cpahub.timesheets.services.entries import profile_for

OTHER = "other"  # the line key of time outside engagements


def line_key(engagement_id) -> str:
    return str(engagement_id) if engagement_id else OTHER


def _lines_q(lines) -> Q:
    """Entries of the given line keys (engagement ids as text or int, or OTHER)."""
    if lines is None:
        return Q()
    keys = {str(line) for line in lines}
    q = Q(engagement_id__in=[int(k) for k in keys if k != OTHER and k.isdigit()])
    if OTHER in keys:
        q |= Q(engagement__isnull=True)
    return q


def _not_own(actor, sheet) -> None:
    if actor.pk == sheet.user_id:
        raise PermissionDenied(_("You cannot approve your own time."))


def _event(sheet, kind, actor, entries, reason="") -> TimesheetEvent:
    engagements = {e.engagement for e in entries}
    labels = sorted(e.code if e else _("Outside engagements") for e in engagements)
    return TimesheetEvent.objects.create(
        sheet=sheet,
        kind=kind,
        actor=actor,
        engagement=next(iter(engagements)) if len(engagements) == 1 else None,
        lines=", ".join(labels)[:300],
        hours=sum((e.hours for e in entries), Decimal(0)),
        reason=reason,
    )


def _locked(sheet) -> Timesheet:
    return Timesheet.objects.select_for_update().get(pk=sheet.pk)


@transaction.atomic
def submit(actor, sheet: Timesheet) -> Timesheet:
    sheet = _locked(sheet)
    if actor.pk != sheet.user_id:
        raise PermissionDenied(_("Only the person whose week it is can submit it."))
    if not sheet.editable:
        raise ValidationError(
            _("This week has already been handed in (status: %(status)s).")
            % {"status": sheet.get_status_display()}
        )
    entries = list(sheet.entries.filter(status__in=EDITABLE).select_related("engagement"))
    if not entries and not sheet.entries.exists():
        raise ValidationError(_("There are no hours to submit in this week."))
    grade_id = profile_for(actor, sheet.firm_id).grade_id
    before = snapshots(entries)
    for entry in entries:
        entry.status, entry.grade_id = Status.SUBMITTED, grade_id
    save_all(entries, before, ["status", "grade"])
    sheet.status, sheet.submitted_at, sheet.reject_reason = Status.SUBMITTED, timezone.now(), ""
    sheet.save()
    _settle(sheet)
    _event(sheet, EventKind.SUBMITTED, actor, entries)
    return sheet


def _decidable(actor, sheet, lines, status) -> list[TimeEntry]:
    """The entries of `lines` in `status` that `actor` may decide on (refusing when there are none)."""
    _not_own(actor, sheet)
    wanted = sheet.entries.filter(_lines_q(lines), status=status)
    allowed = list(wanted.filter(approvable_q(scope_for(actor))).select_related("engagement"))
    if not allowed:
        if wanted.exists():
            raise PermissionDenied(_("You may not decide on these lines."))
        raise ValidationError(_("There is nothing to decide on in this week."))
    if lines is not None and len(allowed) < wanted.count():
        raise PermissionDenied(_("You may not decide on some of these lines."))
    return allowed


@transaction.atomic
def approve(actor, sheet: Timesheet, lines=None) -> Timesheet:
    """Approve the submitted lines (all the actor may decide, or the given line keys) and lock them."""
    sheet = _locked(sheet)
    entries = _decidable(actor, sheet, lines, Status.SUBMITTED)
    grade = profile_for(sheet.user, sheet.firm_id).grade
    now = timezone.now()
    before = snapshots(entries)
    for entry in entries:
        entry.status, entry.approved_by, entry.approved_at = Status.APPROVED, actor, now
        entry.grade = grade
        entry.charge_rate = grade.charge_rate if grade else None
        entry.cost_rate = grade.cost_rate if grade else None
    save_all(entries, before, ["status", "approved_by", "approved_at", "grade", "charge_rate", "cost_rate"])
    _event(sheet, EventKind.APPROVED, actor, entries)
    _settle(sheet)
    return sheet


@transaction.atomic
def reject(actor, sheet: Timesheet, reason: str, lines=None) -> Timesheet:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the time is rejected.")})
    sheet = _locked(sheet)
    entries = _decidable(actor, sheet, lines, Status.SUBMITTED)
    before = snapshots(entries)
    for entry in entries:
        entry.status = Status.REJECTED
    save_all(entries, before, ["status"])
    sheet.status, sheet.reject_reason = Status.REJECTED, reason
    sheet.save()
    _event(sheet, EventKind.REJECTED, actor, entries, reason)
    return sheet


def may_reopen(actor, sheet: Timesheet) -> bool:
    if actor.pk == sheet.user_id:
        return False
    scope = scope_for(actor)
    approved = sheet.entries.filter(status=Status.APPROVED)
    if approved.filter(approvable_q(scope)).exists():
        return True
    reach = Timesheet.objects.filter(pk=sheet.pk).filter(firm_q(scope, PARTNERS))
    return approved.exists() and reach.exists()


@transaction.atomic
def reopen(actor, sheet: Timesheet, reason: str) -> Timesheet:
    """Unlock a week: every entry back to draft, the approval and its rates cleared, the reason logged."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the week is reopened.")})
    sheet = _locked(sheet)
    if actor.pk == sheet.user_id:
        raise PermissionDenied(_("You cannot reopen your own time."))
    if not sheet.entries.filter(status=Status.APPROVED).exists():
        raise ValidationError(_("Only a week with approved time can be reopened."))
    if not may_reopen(actor, sheet):
        raise PermissionDenied(_("You may not reopen this week."))
    entries = list(sheet.entries.exclude(status=Status.DRAFT).select_related("engagement"))
    before = snapshots(entries)
    for entry in entries:
        entry.status, entry.approved_by, entry.approved_at = Status.DRAFT, None, None
        entry.charge_rate = entry.cost_rate = None
    save_all(entries, before, ["status", "approved_by", "approved_at", "charge_rate", "cost_rate"])
    sheet.status, sheet.reject_reason = Status.DRAFT, ""
    sheet.save()
    _event(sheet, EventKind.REOPENED, actor, entries, reason)
    return sheet


def _settle(sheet: Timesheet) -> None:
    """A week whose every entry is approved is approved."""
    counts = sheet.entries.aggregate(total=Sum("hours"), open=Sum("hours", filter=~Q(status=Status.APPROVED)))
    if counts["total"] and not counts["open"] and sheet.status != Status.APPROVED:
        sheet.status = Status.APPROVED
        sheet.save()


def approve_many(actor, sheets) -> tuple[list[Timesheet], dict[int, str]]:
    """Approve several weeks; each stands alone (one refused week does not stop the others)."""
    done, refused = [], {}
    for sheet in sheets:
        try:
            done.append(approve(actor, sheet))
        except (PermissionDenied, ValidationError) as error:
            refused[sheet.pk] = " ".join(getattr(error, "messages", [str(error)]))
    return done, refused
