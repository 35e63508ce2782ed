"""Invoices: draft, lines, issue (gap-free number), electronic invoice number, cancel, credit notes."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from cpahub.billing.choices import CAPPED_BASES, OPEN_STATUSES, CounterKind, InvoiceStatus, LineKind
from cpahub.billing.models import CreditNote, FeeAgreement, Invoice, InvoiceLine
from cpahub.billing.money import ZERO, fen, split
from cpahub.billing.numbering import next_number
from cpahub.billing.queries import allocated_to, billed_fees, credited_on, total
from cpahub.billing.services.common import (
    finance_client,
    finance_engagement,
    positive,
    require_change,
    require_reason,
)
from cpahub.billing.validators import clean_e_invoice_number

DRAFT_FIELDS = ("issue_date", "due_date", "tax_rate", "prices_include_tax", "notes")


def _locked(invoice) -> Invoice:
    return Invoice.objects.select_for_update().get(pk=invoice.pk)


def _draft(user, invoice) -> Invoice:
    require_change(user, invoice)
    invoice = _locked(invoice)
    if invoice.status != InvoiceStatus.DRAFT:
        raise ValidationError(_("Only a draft invoice can be changed; issue a credit note instead."))
    return invoice


@transaction.atomic
def create_invoice(user, client, engagement=None, **data) -> Invoice:
    """A draft invoice to a client; with an engagement, its fee agreement gives the VAT rate."""
    client = finance_client(user, client)
    invoice = Invoice(firm_id=client.firm_id, office_id=client.office_id, client=client, created_by=user)
    agreement = FeeAgreement.objects.filter(engagement=engagement).first() if engagement else None
    if agreement is not None:
        invoice.tax_rate = agreement.tax_rate
    for name in DRAFT_FIELDS:
        if data.get(name) is not None:
            setattr(invoice, name, data[name])
    invoice.full_clean()
    invoice.save()
    return invoice


@transaction.atomic
def update_draft(user, invoice, **data) -> Invoice:
    invoice = _draft(user, invoice)
    for name in DRAFT_FIELDS:
        if name in data and data[name] is not None:
            setattr(invoice, name, data[name])
    invoice.full_clean()
    invoice.save()
    for line in invoice.lines.all():  # the rate or the VAT convention may have changed
        line.net, line.tax, line.gross = split(line.amount, invoice.tax_rate, invoice.prices_include_tax)
        line.save()
    return _recalculate(invoice)


@transaction.atomic
def add_line(user, invoice, engagement, *, description, amount, kind=LineKind.FEE, fee_milestone=None):
    invoice = _draft(user, invoice)
    engagement = finance_engagement(user, engagement)
    client = engagement.client
    if engagement.firm_id != invoice.firm_id or invoice.client_id not in (client.pk, client.parent_id):
        raise ValidationError({"engagement": _("Choose an engagement of this client or its subsidiaries.")})
    if fee_milestone is not None:
        _check_milestone(fee_milestone, engagement)
        amount = fee_milestone.amount if amount is None else amount
    positive(amount)
    net, tax, gross = split(amount, invoice.tax_rate, invoice.prices_include_tax)
    line = InvoiceLine.objects.create(
        invoice=invoice,
        engagement=engagement,
        kind=kind,
        description=(description or "").strip() or str(engagement),
        amount=amount,
        net=net,
        tax=tax,
        gross=gross,
        fee_milestone=fee_milestone,
    )
    _recalculate(invoice)
    return line


def _check_milestone(fee_milestone, engagement):
    if fee_milestone.agreement.engagement_id != engagement.pk:
        raise ValidationError({"fee_milestone": _("Choose a milestone of this engagement's fee agreement.")})
    if fee_milestone.invoice_lines.exclude(invoice__status=InvoiceStatus.CANCELLED).exists():
        raise ValidationError({"fee_milestone": _("This milestone is already on an invoice.")})


@transaction.atomic
def remove_line(user, line) -> None:
    invoice = _draft(user, line.invoice)
    line.delete()
    _recalculate(invoice)


@transaction.atomic
def delete_draft(user, invoice) -> None:
    invoice = _draft(user, invoice)
    invoice.lines.all().delete()
    invoice.delete()


def _recalculate(invoice) -> Invoice:
    sums = invoice.lines.aggregate(net=Sum("net"), tax=Sum("tax"), gross=Sum("gross"))
    invoice.net_amount = fen(sums["net"] or ZERO)
    invoice.tax_amount = fen(sums["tax"] or ZERO)
    invoice.gross_amount = fen(sums["gross"] or ZERO)
    invoice.save()
    return invoice


@transaction.atomic
def issue_invoice(user, invoice, issue_date=None, due_date=None, e_invoice_number: str = "") -> Invoice:
    """Draft → issued: checks the caps, takes the next number of the firm's year, fixes the buyer."""
    invoice = _draft(user, invoice)
    if invoice.gross_amount <= 0 or not invoice.lines.exists():
        raise ValidationError(_("Add at least one line with an amount before issuing."))
    invoice.issue_date = issue_date or invoice.issue_date or timezone.localdate()
    invoice.due_date = (
        due_date or invoice.due_date or invoice.issue_date + datetime.timedelta(days=_payment_days(invoice))
    )
    if invoice.due_date < invoice.issue_date:
        raise ValidationError({"due_date": _("The due date cannot be before the issue date.")})
    _check_caps(invoice)
    if e_invoice_number:
        invoice.e_invoice_number = _e_number(invoice.firm_id, e_invoice_number, invoice.issue_date)
    client = invoice.client
    invoice.buyer_name, invoice.buyer_credit_code = client.name, client.credit_code
    invoice.number = next_number(invoice.firm, CounterKind.INVOICE, invoice.issue_date.year)
    invoice.status = InvoiceStatus.ISSUED
    invoice.issued_by = user
    invoice.save()
    return invoice


def _payment_days(invoice) -> int:
    engagement_ids = invoice.lines.values("engagement_id")
    days = FeeAgreement.objects.filter(engagement_id__in=engagement_ids).values_list(
        "payment_days", flat=True
    )
    return min(days, default=30)


def _check_caps(invoice):
    """Fixed and capped agreements: fees billed may not pass the agreed amount."""
    fees = invoice.lines.filter(kind=LineKind.FEE).values("engagement_id").annotate(net=Sum("net"))
    this_invoice = {row["engagement_id"]: row["net"] for row in fees}
    agreements = FeeAgreement.objects.filter(engagement_id__in=this_invoice, basis__in=CAPPED_BASES)
    for agreement in agreements.select_related("engagement"):
        billed = billed_fees(agreement.engagement_id, exclude_invoice_id=invoice.pk)
        if billed + this_invoice[agreement.engagement_id] > agreement.amount:
            raise ValidationError(
                _(
                    "%(engagement)s: fees billed would be %(total)s, over the agreed %(cap)s "
                    "(already billed %(billed)s). Change the fee agreement or the lines."
                )
                % {
                    "engagement": agreement.engagement.code,
                    "total": billed + this_invoice[agreement.engagement_id],
                    "cap": agreement.amount,
                    "billed": billed,
                }
            )


def _e_number(firm_id, value: str, on_date, exclude_invoice=None) -> str:
    """A valid 20-digit number not yet used on another invoice or credit note of the firm."""
    try:
        number = clean_e_invoice_number(value, on_date)
    except ValidationError as error:
        raise ValidationError({"e_invoice_number": error.messages}) from None
    invoices = Invoice.objects.filter(firm_id=firm_id, e_invoice_number=number).exclude(pk=exclude_invoice)
    if invoices.exists() or CreditNote.objects.filter(firm_id=firm_id, e_invoice_number=number).exists():
        raise ValidationError({"e_invoice_number": _("This electronic invoice number is already recorded.")})
    return number


@transaction.atomic
def set_e_invoice_number(user, invoice, value: str) -> Invoice:
    """Record the 电子发票号码 the tax system gave the issued invoice."""
    require_change(user, invoice)
    invoice = _locked(invoice)
    if invoice.status in (InvoiceStatus.DRAFT, InvoiceStatus.CANCELLED):
        raise ValidationError(_("Record the electronic invoice number on an issued invoice."))
    invoice.e_invoice_number = (
        _e_number(invoice.firm_id, value, invoice.issue_date, invoice.pk) if value else ""
    )
    invoice.save()
    return invoice


@transaction.atomic
def cancel_invoice(user, invoice, reason: str, on=None) -> Invoice:
    """Void an issued invoice nobody has paid or credited; its number stays used (no gap)."""
    require_change(user, invoice)
    invoice = _locked(invoice)
    reason = require_reason(reason)
    if invoice.status != InvoiceStatus.ISSUED:
        raise ValidationError(_("Only an issued, unpaid invoice can be cancelled; delete a draft instead."))
    if invoice.allocations.exists() or invoice.credit_notes.exists():
        raise ValidationError(_("This invoice has receipts or credit notes; issue a credit note instead."))
    invoice.status = InvoiceStatus.CANCELLED
    invoice.cancelled_on = on or timezone.localdate()
    invoice.cancel_reason = reason
    invoice.save()
    return invoice


@transaction.atomic
def credit_note(
    user, invoice, engagement, *, amount, reason, kind=LineKind.FEE, date=None, e_invoice_number=""
):
    """A credit note (红字发票) of `amount` payable (VAT included) against one engagement of the invoice."""
    require_change(user, invoice)
    invoice = _locked(invoice)
    reason = require_reason(reason)
    positive(amount)
    if invoice.status not in OPEN_STATUSES:
        raise ValidationError(_("Credit notes are raised against issued invoices that are not settled."))
    lines = invoice.lines.filter(engagement=engagement, kind=kind)
    if not lines.exists():
        raise ValidationError({"engagement": _("The invoice has no such line for this engagement.")})
    open_amount = invoice.gross_amount - credited_on(invoice) - allocated_to(invoice)
    if amount > open_amount:
        raise ValidationError(
            {
                "amount": _("The credit note cannot exceed what is still open on the invoice (%(open)s).")
                % {"open": open_amount}
            }
        )
    net, tax, gross = split(amount, invoice.tax_rate, True)
    credited = CreditNote.objects.filter(invoice=invoice, engagement=engagement, kind=kind)
    billed_net, credited_net = total(lines, "net"), total(credited, "net")
    if amount == total(lines, "gross") - total(credited, "gross"):
        net, tax = billed_net - credited_net, amount - (billed_net - credited_net)  # exact reversal
    if credited_net + net > billed_net:
        raise ValidationError(
            {"amount": _("The credit note cannot exceed the invoice's amount for this engagement.")}
        )
    note = CreditNote(
        firm_id=invoice.firm_id,
        office_id=invoice.office_id,
        invoice=invoice,
        engagement=engagement,
        kind=kind,
        date=date or timezone.localdate(),
        net=net,
        tax=tax,
        gross=gross,
        reason=reason,
        created_by=user,
    )
    if note.date < invoice.issue_date:
        raise ValidationError({"date": _("A credit note cannot be dated before its invoice.")})
    if e_invoice_number:
        note.e_invoice_number = _e_number(invoice.firm_id, e_invoice_number, note.date)
    note.number = next_number(invoice.firm, CounterKind.CREDIT_NOTE, note.date.year)
    note.save()
    refresh_status(invoice)
    return note


def refresh_status(invoice) -> Invoice:
    """Issued → partly paid → paid (or credited in full), from its receipts and credit notes."""
    if invoice.status in (InvoiceStatus.DRAFT, InvoiceStatus.CANCELLED):
        return invoice
    allocated, credited = allocated_to(invoice), credited_on(invoice)
    if credited >= invoice.gross_amount:
        status = InvoiceStatus.CREDITED
    elif allocated + credited >= invoice.gross_amount:
        status = InvoiceStatus.PAID
    elif allocated > 0:
        status = InvoiceStatus.PART_PAID
    else:
        status = InvoiceStatus.ISSUED
    if status != invoice.status:
        invoice.status = status
        invoice.save(update_fields=["status", "updated"])
    return invoice
