"""The firm's billing reports: WIP, receivables ageing, realisation.

Each runs a fixed number of grouped queries (see `aggregates`), whatever the number of time entries,
invoices or receipts; Python only adds up the per-engagement (or per-client) sums. Called by the report
pages, the API, the partner dashboard and the benchmark. With `user`, only what that user may see.
"""

from __future__ import annotations

import datetime
from dataclasses import asdict, dataclass, field
from decimal import Decimal

from django.db.models import DecimalField, Sum
from django.utils.translation import gettext as _

from cpahub.billing import aggregates as agg
from cpahub.billing.access import engagement_billing_q
from cpahub.billing.choices import AGE_BUCKETS
from cpahub.billing.money import fen, ratio
from cpahub.billing.sources import age_bucket
from cpahub.core.permissions import VIEW, scope_for
from cpahub.practice.access import FINANCE, reaches_whole_firm

WIP_GROUPINGS = ("engagement", "partner", "manager", "client", "office")
REALISATION_GROUPINGS = ("engagement", "partner")
ZERO = Decimal("0")
AGES = len(AGE_BUCKETS)


def _zeros():
    return [ZERO] * AGES


@dataclass
class WipRow:
    key: int | None
    label: str
    engagements: int = 0
    hours: Decimal = ZERO
    time_value: Decimal = ZERO
    above_cap: Decimal = ZERO
    expenses: Decimal = ZERO
    billed: Decimal = ZERO
    write_on: Decimal = ZERO
    write_off: Decimal = ZERO
    wip: Decimal = ZERO
    ages: list[Decimal] = field(default_factory=_zeros)  # unbilled WIP by age, AGE_BUCKETS order

    def add(self, other: WipRow) -> None:
        for name in ("engagements", "hours", "time_value", "above_cap", "expenses", "billed", "write_on"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.write_off += other.write_off
        self.wip += other.wip
        self.ages = [a + b for a, b in zip(self.ages, other.ages, strict=True)]

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class Report:
    rows: list
    total: object
    as_of: datetime.date | None = None


def _whole_firm(firm, user) -> bool:
    """No user (a system call), or one whose finance role reaches every billing row of the firm: the
    per-row rule adds nothing then, and on PostgreSQL it can cost a poor plan."""
    return user is None or reaches_whole_firm(scope_for(user), firm.pk, FINANCE)


def billing_engagements(firm, user=None):
    """The firm's engagements, limited to those whose billing `user` may see."""
    from cpahub.engagements.models import Engagement

    engagements = Engagement.objects.filter(firm=firm)
    if not _whole_firm(firm, user):
        engagements = engagements.filter(engagement_billing_q(scope_for(user), VIEW, prefix=""))
    return engagements


GROUP_FIELDS = {
    "partner": ("partner_id", "partner__display_name", "partner__username"),
    "manager": ("manager_id", "manager__display_name", "manager__username"),
    "client": ("client_id", "client__name", "client__name"),
    "office": ("office_id", "office__name", "office__name"),
}


def _labels(engagements, by: str) -> dict[int, tuple]:
    """engagement id → (group key, group label)."""
    if by == "engagement":
        return {
            pk: (pk, f"{code} {name}") for pk, code, name in engagements.values_list("pk", "code", "name")
        }
    key, label, fallback = GROUP_FIELDS[by]
    return {
        row["pk"]: (row[key], row[label] or row[fallback] or _("(none)"))
        for row in engagements.values("pk", key, label, fallback).order_by()
    }


def wip(firm, as_of: datetime.date, by: str = "engagement", user=None) -> Report:
    """Work in progress as of a day: approved time at the engagement's charge-out rates (capped where
    the agreement caps it) + approved billable expenses − billed (less credit notes) + write-ons −
    write-offs. `ages` splits the unbilled amount by the age of the time and expenses, billing
    clearing the oldest first."""
    if by not in WIP_GROUPINGS:
        raise ValueError(f"by must be one of {WIP_GROUPINGS}")
    engagements = billing_engagements(firm, user)
    time = agg.time_by_engagement(engagements, as_of)
    expenses = agg.expenses_by_engagement(engagements, as_of)
    billed = agg.billed_by_engagement(engagements, as_of)
    adjustments = agg.adjustments_by_engagement(engagements, as_of)
    labels = _labels(engagements, by)
    groups: dict = {}
    for eid in set(time) | set(expenses) | set(billed) | set(adjustments):
        item = _engagement_wip(eid, time, expenses, billed, adjustments)
        key, label = labels[eid]
        group = groups.setdefault(key, WipRow(key, label))
        group.add(item)
    rows = sorted(groups.values(), key=lambda row: (-row.wip, row.label))
    total = WipRow(None, _("Total"))
    for row in rows:
        total.add(row)
    return Report(rows, total, as_of)


def _engagement_wip(eid, time, expenses, billed, adjustments) -> WipRow:
    spent = time.get(eid, agg.EngagementTime())
    expense_total, expense_ages = expenses.get(eid, (ZERO, _zeros()))
    write_on, write_off = adjustments.get(eid, (ZERO, ZERO))
    row = WipRow(
        eid,
        "",
        engagements=1,
        hours=spent.hours,
        time_value=spent.value,
        above_cap=spent.above_cap,
        expenses=expense_total,
        billed=billed.get(eid, ZERO),
        write_on=write_on,
        write_off=write_off,
    )
    row.wip = row.time_value + row.expenses - row.billed + write_on - write_off
    ages = [a + b for a, b in zip(spent.by_age, expense_ages, strict=True)]
    cleared = row.billed + write_off - write_on
    if cleared >= 0:
        agg.take_oldest(ages, cleared)
    else:
        ages[0] -= cleared  # a net write-on counts as new
    row.ages = ages
    return row


@dataclass
class AgeingRow:
    key: int | None
    label: str
    ages: list[Decimal] = field(default_factory=_zeros)  # open balance by days past due
    unallocated: Decimal = ZERO  # receipts not yet allocated (money on account)

    @property
    def balance(self) -> Decimal:
        return sum(self.ages, ZERO)

    def as_dict(self) -> dict:
        return {**asdict(self), "balance": self.balance}


def ageing(firm, as_of: datetime.date, user=None) -> Report:
    """Receivables per client by invoice due date as of a day: invoiced (VAT included) less credit
    notes and receipts allocated up to that day."""
    from cpahub.billing.models import Allocation, CreditNote, Invoice, Receipt

    invoices = Invoice.objects.filter(agg.live_on(as_of, prefix=""), firm=firm)
    receipts = Receipt.objects.filter(firm=firm, date__lte=as_of)
    if not _whole_firm(firm, user):
        invoices = invoices.filter(pk__in=Invoice.objects.restrict(user).values("pk"))
        receipts = receipts.filter(pk__in=Receipt.objects.restrict(user).values("pk"))
    cells: dict[int, list[Decimal]] = {}
    money = DecimalField(max_digits=18, decimal_places=2)

    def add(rows, sign):
        for client_id, bucket, amount in rows:
            cells.setdefault(client_id, _zeros())[bucket] += sign * fen(amount or 0)

    add(
        invoices.values_list("client_id", age_bucket("due_date", as_of))
        .annotate(Sum("gross_amount"))
        .order_by(),
        1,
    )
    credits = CreditNote.objects.filter(invoice__in=invoices, date__lte=as_of)
    add(
        credits.values_list("invoice__client_id", age_bucket("invoice__due_date", as_of))
        .annotate(Sum("gross"))
        .order_by(),
        -1,
    )
    allocations = Allocation.objects.filter(invoice__in=invoices, receipt__date__lte=as_of)
    add(
        allocations.values_list("invoice__client_id", age_bucket("invoice__due_date", as_of))
        .annotate(Sum("amount", output_field=money))
        .order_by(),
        -1,
    )
    received = dict(
        receipts.filter(client__isnull=False).values_list("client_id").annotate(Sum("amount")).order_by()
    )
    applied = dict(
        allocations.filter(receipt__in=receipts, receipt__client__isnull=False)
        .values_list("receipt__client_id")
        .annotate(Sum("amount"))
        .order_by()
    )
    return _ageing_report(cells, received, applied, as_of)


def _ageing_report(cells, received, applied, as_of) -> Report:
    from cpahub.clients.models import Client

    names = dict(Client.objects.filter(pk__in=set(cells) | set(received)).values_list("pk", "name"))
    rows = []
    for client_id in set(cells) | set(received):
        row = AgeingRow(client_id, names[client_id], cells.get(client_id, _zeros()))
        row.unallocated = fen(received.get(client_id, 0)) - fen(applied.get(client_id, 0))
        if row.balance or row.unallocated:
            rows.append(row)
    rows.sort(key=lambda row: (-row.balance, row.label))
    total = AgeingRow(None, _("Total"))
    for row in rows:
        total.ages = [a + b for a, b in zip(total.ages, row.ages, strict=True)]
        total.unallocated += row.unallocated
    return Report(rows, total, as_of)


@dataclass
class RealisationRow:
    key: int | None
    label: str
    hours: Decimal = ZERO
    standard: Decimal = ZERO  # approved chargeable time at standard charge-out rates
    billed: Decimal = ZERO  # invoiced excluding VAT, less credit notes
    collected: Decimal = ZERO  # receipts allocated, the share of the invoices' amounts excluding VAT

    @property
    def billing_rate(self) -> Decimal | None:
        """Billed ÷ standard value of time."""
        return ratio(self.billed, self.standard)

    @property
    def collection_rate(self) -> Decimal | None:
        """Collected ÷ billed."""
        return ratio(self.collected, self.billed)

    def add(self, other: RealisationRow) -> None:
        self.hours += other.hours
        self.standard += other.standard
        self.billed += other.billed
        self.collected += other.collected

    def as_dict(self) -> dict:
        return {**asdict(self), "billing_rate": self.billing_rate, "collection_rate": self.collection_rate}


def realisation(firm, start: datetime.date, end: datetime.date, by: str = "engagement", user=None) -> Report:
    """Realisation over a period: time dated, invoices issued, credit notes dated and receipts received
    within [start, end]."""
    if by not in REALISATION_GROUPINGS:
        raise ValueError(f"by must be one of {REALISATION_GROUPINGS}")
    engagements = billing_engagements(firm, user)
    time = agg.time_by_engagement(engagements, end, since=start, ages=False)
    billed = agg.billed_by_engagement(engagements, end, since=start)
    collected = agg.collected_by_engagement(engagements, start, end)
    labels = _labels(engagements, by)
    groups: dict = {}
    for eid in set(time) | set(billed) | set(collected):
        key, label = labels[eid]
        spent = time.get(eid, agg.EngagementTime())
        group = groups.setdefault(key, RealisationRow(key, label))
        group.add(
            RealisationRow(
                eid, "", spent.hours, spent.standard, billed.get(eid, ZERO), collected.get(eid, ZERO)
            )
        )
    rows = sorted(groups.values(), key=lambda row: (-row.standard, row.label))
    total = RealisationRow(None, _("Total"))
    for row in rows:
        total.add(row)
    return Report(rows, total)
