"""Receipts and their allocation to invoices (核销), never more than either side holds."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from cpahub.billing.choices import OPEN_STATUSES
from cpahub.billing.models import Allocation, Invoice, Receipt
from cpahub.billing.queries import allocated_to, credited_on, total
from cpahub.billing.services.common import finance_client, positive, require_change
from cpahub.billing.services.invoices import refresh_status
from cpahub.core.permissions import scope_for

FIELDS = ("payer", "date", "amount", "method", "bank_reference", "notes")


@transaction.atomic
def record_receipt(user, *, client=None, office=None, **data) -> Receipt:
    """Money received from a client (or another payer, in an office of the firm)."""
    if client is not None:
        client = finance_client(user, client)
        firm_id, office_id = client.firm_id, client.office_id
        data.setdefault("payer", client.name)
        data["payer"] = data["payer"] or client.name
    else:
        if office is None or not _finance_office(user, office):
            raise PermissionDenied(_("Choose the client or an office where you keep the books."))
        firm_id, office_id = office.parent_id or office.pk, office.pk
    positive(data.get("amount"))
    receipt = Receipt(firm_id=firm_id, office_id=office_id, client=client, recorded_by=user)
    for name in FIELDS:
        if name in data:
            setattr(receipt, name, data[name])
    receipt.full_clean()
    receipt.save()
    return receipt


def finance_offices(user):
    """Offices where the user keeps the books: those where they hold a finance role, and their branches."""
    from django.db.models import Q

    from cpahub.accounts.models import Organisation
    from cpahub.practice.access import FINANCE, held_orgs

    held = held_orgs(scope_for(user), FINANCE)
    return Organisation.objects.filter(Q(pk__in=held) | Q(parent__in=held)).order_by("parent_id", "name")


def _finance_office(user, office) -> bool:
    return finance_offices(user).filter(pk=office.pk).exists()


@transaction.atomic
def update_receipt(user, receipt, **data) -> Receipt:
    require_change(user, receipt)
    receipt = Receipt.objects.select_for_update().get(pk=receipt.pk)
    for name in FIELDS:
        if name in data:
            setattr(receipt, name, data[name])
    positive(receipt.amount)
    allocated = total(receipt.allocations.all())
    if receipt.amount < allocated:
        raise ValidationError(
            {
                "amount": _("%(allocated)s of this receipt is allocated; the amount cannot be lower.")
                % {"allocated": allocated}
            }
        )
    receipt.full_clean()
    receipt.save()
    return receipt


@transaction.atomic
def allocate(user, receipt, invoice, amount) -> Allocation:
    """Apply part of a receipt to an invoice. Both rows are locked so two clerks cannot over-allocate."""
    require_change(user, receipt)
    require_change(user, invoice)
    positive(amount)
    receipt = Receipt.objects.select_for_update().get(pk=receipt.pk)
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if receipt.firm_id != invoice.firm_id:
        raise ValidationError({"invoice": _("The invoice belongs to another firm.")})
    if invoice.status not in OPEN_STATUSES:
        raise ValidationError(
            {"invoice": _("Receipts are allocated to issued invoices that are still open.")}
        )
    free = receipt.amount - total(receipt.allocations.all())
    if amount > free:
        raise ValidationError({"amount": _("Only %(free)s of this receipt is unallocated.") % {"free": free}})
    owed = invoice.gross_amount - credited_on(invoice) - allocated_to(invoice)
    if amount > owed:
        raise ValidationError(
            {
                "amount": _("Only %(owed)s is still open on invoice %(number)s.")
                % {"owed": owed, "number": invoice}
            }
        )
    allocation = Allocation.objects.create(receipt=receipt, invoice=invoice, amount=amount, allocated_by=user)
    refresh_status(invoice)
    return allocation


@transaction.atomic
def unallocate(user, allocation) -> None:
    require_change(user, allocation.receipt)
    invoice = Invoice.objects.select_for_update().get(pk=allocation.invoice_id)
    allocation.delete()
    refresh_status(invoice)


@transaction.atomic
def delete_receipt(user, receipt) -> None:
    require_change(user, receipt)
    if receipt.allocations.exists():
        raise ValidationError(_("Remove the allocations of this receipt first."))
    receipt.delete()
