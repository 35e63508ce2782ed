"""The grouped queries behind the reports: one query per source, each summed in the database.

Every function takes `engagements` (a queryset of engagements, used as a sub-select) and returns a
dict keyed by engagement id, so the number of queries does not depend on the number of rows.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Case, DecimalField, F, Q, Sum, When

from cpahub.billing.choices import (
    AGE_BUCKETS,
    LIVE_STATUSES,
    AdjustmentKind,
    Decision,
    FeeBasis,
    InvoiceStatus,
)
from cpahub.billing.models import CreditNote, Expense, FeeAgreement, InvoiceLine, RateOverride, WipAdjustment
from cpahub.billing.money import fen
from cpahub.billing.sources import age_bucket, approved_time

MONEY = DecimalField(max_digits=18, decimal_places=2)
ZERO = Decimal("0")
AGES = len(AGE_BUCKETS)


@dataclass
class EngagementTime:
    hours: Decimal = ZERO
    standard: Decimal = ZERO  # at the charge-out rates copied onto the entries
    value: Decimal = ZERO  # at the engagement's rates (agreed rate per grade, else standard), capped
    above_cap: Decimal = ZERO
    by_age: list[Decimal] = field(default_factory=lambda: [ZERO] * AGES)


def time_by_engagement(engagements, until, since=None, ages=True) -> dict[int, EngagementTime]:
    """Approved chargeable time valued at the engagement's rates; a capped agreement caps the value."""
    overrides = {
        (eid, grade): rate
        for eid, grade, rate in RateOverride.objects.filter(
            agreement__engagement_id__in=engagements
        ).values_list("agreement__engagement_id", "grade_id", "rate")
    }
    result: dict[int, EngagementTime] = {}
    for group in approved_time(engagements, until, since, ages=ages):
        item = result.setdefault(group.engagement_id, EngagementTime())
        rate = overrides.get((group.engagement_id, group.grade_id))
        item.hours += group.hours
        item.standard += group.standard
        item.value += group.standard if rate is None else fen(group.hours * rate)
        for index in range(len(group.hours_by_age)):
            std = group.standard_by_age[index]
            item.by_age[index] += std if rate is None else fen(group.hours_by_age[index] * rate)
    caps = FeeAgreement.objects.filter(engagement_id__in=engagements, basis=FeeBasis.CAPPED)
    for eid, cap in caps.values_list("engagement_id", "amount"):
        item = result.get(eid)
        if item is not None and cap is not None and item.value > cap:
            item.above_cap = item.value - cap
            item.value = cap
            take_newest(item.by_age, item.above_cap)
    return result


def take_newest(buckets: list[Decimal], amount: Decimal) -> None:
    """Remove `amount` from the newest buckets first (the time that went over a cap)."""
    for index in range(len(buckets)):
        taken = min(buckets[index], amount)
        buckets[index] -= taken
        amount -= taken


def take_oldest(buckets: list[Decimal], amount: Decimal) -> Decimal:
    """Remove `amount` from the oldest buckets first (billing clears the oldest WIP); returns the rest."""
    for index in reversed(range(len(buckets))):
        taken = min(buckets[index], amount)
        buckets[index] -= taken
        amount -= taken
    return amount


def expenses_by_engagement(engagements, until, ages=True) -> dict[int, tuple[Decimal, list[Decimal]]]:
    """Approved billable expenses dated ≤ until: (total, by age)."""
    rows = Expense.objects.filter(
        engagement_id__in=engagements, status=Decision.APPROVED, billable=True, date__lte=until
    )
    result: dict[int, tuple[Decimal, list[Decimal]]] = {}
    sums = (
        rows.annotate(age=age_bucket("date", until))
        .values("engagement_id", "age")
        .annotate(total=Sum("amount"))
    )
    for row in sums.order_by():
        amount = fen(row["total"] or 0)
        total, by_age = result.get(row["engagement_id"], (ZERO, [ZERO] * AGES))
        by_age[row["age"]] += amount if ages else ZERO
        result[row["engagement_id"]] = (total + amount, by_age)
    return result


def live_on(day: datetime.date, prefix: str = "invoice__") -> Q:
    """Invoices issued by `day` and not cancelled by then."""
    cancelled_later = Q(**{f"{prefix}status": InvoiceStatus.CANCELLED, f"{prefix}cancelled_on__gt": day})
    return Q(**{f"{prefix}issue_date__lte": day}) & (
        Q(**{f"{prefix}status__in": LIVE_STATUSES}) | cancelled_later
    )


def billed_by_engagement(engagements, until, since=None) -> dict[int, Decimal]:
    """Amounts invoiced (excluding VAT) less amounts credited, dated within [since, until]."""
    lines = InvoiceLine.objects.filter(live_on(until), engagement_id__in=engagements)
    credits = CreditNote.objects.filter(engagement_id__in=engagements, date__lte=until)
    if since is not None:
        lines = lines.filter(invoice__issue_date__gte=since)
        credits = credits.filter(date__gte=since)
    billed: dict[int, Decimal] = {}
    for eid, net in lines.values_list("engagement_id").annotate(Sum("net")).order_by():
        billed[eid] = fen(net)
    for eid, net in credits.values_list("engagement_id").annotate(Sum("net")).order_by():
        billed[eid] = billed.get(eid, ZERO) - fen(net)
    return billed


def adjustments_by_engagement(engagements, until, since=None) -> dict[int, tuple[Decimal, Decimal]]:
    """Approved (write-ons, write-offs) dated within [since, until], both as positive amounts."""
    rows = WipAdjustment.objects.filter(
        engagement_id__in=engagements, status=Decision.APPROVED, date__lte=until
    )
    if since is not None:
        rows = rows.filter(date__gte=since)
    sums = rows.values("engagement_id").annotate(
        on=Sum(Case(When(kind=AdjustmentKind.WRITE_ON, then=F("amount")), default=None, output_field=MONEY)),
        off=Sum(
            Case(When(kind=AdjustmentKind.WRITE_OFF, then=F("amount")), default=None, output_field=MONEY)
        ),
    )
    return {row["engagement_id"]: (fen(row["on"] or 0), fen(row["off"] or 0)) for row in sums.order_by()}


def collected_by_engagement(engagements, start, end) -> dict[int, Decimal]:
    """Receipts dated within [start, end] allocated to invoices, split over each invoice's lines in
    proportion to their amounts excluding VAT (so collections compare with fees billed)."""
    lines = InvoiceLine.objects.filter(
        engagement_id__in=engagements,
        invoice__gross_amount__gt=0,
        invoice__allocations__receipt__date__gte=start,
        invoice__allocations__receipt__date__lte=end,
    )
    share = F("invoice__allocations__amount") * F("net") / F("invoice__gross_amount")
    rows = lines.values("engagement_id").annotate(collected=Sum(share, output_field=MONEY)).order_by()
    return {row["engagement_id"]: fen(row["collected"] or 0) for row in rows}
