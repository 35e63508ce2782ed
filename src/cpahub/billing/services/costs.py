"""Expenses (disbursements) and write-ons / write-offs, each approved by someone else."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cpahub.billing.access import may_approve_as_partner
from cpahub.billing.choices import AdjustmentKind, Decision
from cpahub.billing.models import Expense, WipAdjustment
from cpahub.billing.services.common import cost_engagement, positive, require_change, require_reason
from cpahub.core.permissions import VIEW, can, scope_for

EXPENSE_FIELDS = ("date", "category", "description", "amount", "billable", "incurred_by")


@transaction.atomic
def record_expense(user, engagement, **data) -> Expense:
    engagement = cost_engagement(user, engagement)
    positive(data.get("amount"))
    expense = Expense(
        engagement=engagement, recorded_by=user, **{k: data.get(k) for k in EXPENSE_FIELDS if k in data}
    )
    expense.full_clean()
    expense.save()
    return expense


@transaction.atomic
def update_expense(user, expense: Expense, **data) -> Expense:
    require_change(user, expense)
    expense = Expense.objects.select_for_update().get(pk=expense.pk)
    if expense.status != Decision.PENDING:
        raise ValidationError(_("Only expenses awaiting approval can be changed."))
    for name in EXPENSE_FIELDS:
        if name in data:
            setattr(expense, name, data[name])
    positive(expense.amount)
    expense.full_clean()
    expense.save()
    return expense


def may_approve_expense(user, expense: Expense) -> bool:
    """The engagement's manager or partner, or a partner of the firm — never who recorded or spent it."""
    if user.pk in (expense.recorded_by_id, expense.incurred_by_id) or not can(user, VIEW, expense):
        return False
    engagement = expense.engagement
    if user.pk in (engagement.manager_id, engagement.partner_id):
        return True
    return may_approve_as_partner(scope_for(user), engagement.firm_id)


@transaction.atomic
def decide_expense(user, expense: Expense, approve: bool, note: str = "") -> Expense:
    expense = Expense.objects.select_for_update().select_related("engagement").get(pk=expense.pk)
    if expense.status != Decision.PENDING:
        raise ValidationError(_("This expense has already been decided."))
    if user.pk in (expense.recorded_by_id, expense.incurred_by_id):
        raise PermissionDenied(_("Someone other than who recorded or spent it must approve an expense."))
    if not may_approve_expense(user, expense):
        raise PermissionDenied(_("Only the engagement's manager or a partner approves expenses."))
    return _decide(expense, user, approve, note)


def _decide(row, user, approve: bool, note: str):
    if not approve:
        note = require_reason(note, "decision_note")
    row.status = Decision.APPROVED if approve else Decision.REJECTED
    row.decided_by = user
    row.decided_at = timezone.now()
    row.decision_note = (note or "").strip()
    row.save()
    return row


@transaction.atomic
def request_adjustment(user, engagement, *, kind, amount, date, reason) -> WipAdjustment:
    engagement = cost_engagement(user, engagement)
    if kind not in AdjustmentKind.values:
        raise ValidationError({"kind": _("Choose write-on or write-off.")})
    positive(amount)
    adjustment = WipAdjustment(
        engagement=engagement,
        kind=kind,
        amount=amount,
        date=date,
        reason=require_reason(reason),
        requested_by=user,
    )
    adjustment.full_clean()
    adjustment.save()
    return adjustment


def may_approve_adjustment(user, adjustment: WipAdjustment) -> bool:
    """A partner (or firm administrator) of the firm who did not ask for it."""
    return (
        user.pk != adjustment.requested_by_id
        and can(user, VIEW, adjustment)
        and may_approve_as_partner(scope_for(user), adjustment.engagement.firm_id)
    )


@transaction.atomic
def decide_adjustment(user, adjustment: WipAdjustment, approve: bool, note: str = "") -> WipAdjustment:
    adjustment = WipAdjustment.objects.select_for_update().select_related("engagement").get(pk=adjustment.pk)
    if adjustment.status != Decision.PENDING:
        raise ValidationError(_("This request has already been decided."))
    if user.pk == adjustment.requested_by_id:
        raise PermissionDenied(
            _("A write-on or write-off is approved by a partner other than who asked for it.")
        )
    if not may_approve_adjustment(user, adjustment):
        raise PermissionDenied(_("Only a partner of the firm approves write-ons and write-offs."))
    return _decide(adjustment, user, approve, note)
