"""Small sums the services and pages share (each one query)."""

from decimal import Decimal

from django.db.models import DecimalField, Sum, Value
from django.db.models.functions import Coalesce

from cpahub.billing.choices import LIVE_STATUSES, LineKind
from cpahub.billing.models import Allocation, CreditNote, InvoiceLine
from cpahub.billing.money import fen

ZERO = Value(Decimal("0"), output_field=DecimalField(max_digits=14, decimal_places=2))


def total(queryset, field: str = "amount") -> Decimal:
    return fen(queryset.aggregate(total=Coalesce(Sum(field), ZERO))["total"])


def allocated_to(invoice) -> Decimal:
    return total(Allocation.objects.filter(invoice=invoice))


def credited_on(invoice) -> Decimal:
    return total(CreditNote.objects.filter(invoice=invoice), "gross")


def open_balance(invoice) -> Decimal:
    """What the client still owes on an issued invoice."""
    return invoice.gross_amount - credited_on(invoice) - allocated_to(invoice)


def unallocated(receipt) -> Decimal:
    return receipt.amount - total(Allocation.objects.filter(receipt=receipt))


def billed_fees(engagement_id, exclude_invoice_id=None) -> Decimal:
    """Fees billed on live invoices (net of VAT) less fees credited, for an engagement."""
    lines = InvoiceLine.objects.filter(
        engagement_id=engagement_id, kind=LineKind.FEE, invoice__status__in=LIVE_STATUSES
    )
    if exclude_invoice_id is not None:
        lines = lines.exclude(invoice_id=exclude_invoice_id)
    credits = CreditNote.objects.filter(engagement_id=engagement_id, kind=LineKind.FEE)
    return total(lines, "net") - total(credits, "net")


def finance_engagements(user):
    """Engagements whose billing the user keeps (finance group)."""
    from cpahub.billing.access import finance_q
    from cpahub.core.permissions import scope_for
    from cpahub.engagements.models import Engagement

    return Engagement.objects.filter(finance_q(scope_for(user))).select_related("client")


def cost_engagements(user):
    """Engagements where the user may record expenses and ask for write-ons / write-offs."""
    from cpahub.billing.access import engagement_billing_q
    from cpahub.core.permissions import CHANGE, scope_for
    from cpahub.engagements.models import Engagement

    q = engagement_billing_q(scope_for(user), CHANGE, prefix="", managers_write=True)
    return Engagement.objects.filter(q).select_related("client")


def finance_clients(user):
    from cpahub.billing.access import finance_q
    from cpahub.clients.models import Client
    from cpahub.core.permissions import scope_for

    return Client.objects.filter(finance_q(scope_for(user)))


def report_firms(user):
    """Firms whose billing reports the user may open (finance group, or managers for their work)."""
    from cpahub.core.permissions import scope_for
    from cpahub.practice.access import FINANCE, MANAGERS, firms_for

    scope = scope_for(user)
    return (firms_for(scope, FINANCE) | firms_for(scope, MANAGERS)).distinct().order_by("name")
