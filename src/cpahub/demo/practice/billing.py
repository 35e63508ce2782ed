"""Expenses, invoices with their lines, cancelled and credited invoices, and the write-offs and
write-ons that close fixed-fee work. Invoice totals are the sums of their lines (VAT per line, rounded
to the fen as the billing service does); fees billed never pass a fixed or capped agreement."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from cpahub.billing.choices import (
    AdjustmentKind,
    Decision,
    ExpenseCategory,
    FeeBasis,
    InvoiceStatus,
    LineKind,
)
from cpahub.billing.models import Expense, WipAdjustment
from cpahub.billing.money import fen
from cpahub.demo.practice.context import Job, Practice
from cpahub.demo.practice.store import moment
from cpahub.engagements.choices import Status, TeamRole

DAY = datetime.timedelta(days=1)
ZERO = Decimal("0")
HOTEL = {"360100": 420, "360700": 360}


@dataclass
class Bill:
    """An invoice being planned: its lines are (kind, net amount, description, fee milestone)."""

    job: Job
    day: datetime.date
    lines: list = field(default_factory=list)
    final: bool = False
    status: str = InvoiceStatus.ISSUED
    invoice: object = None
    cancelled: datetime.date | None = None


def make_expenses(practice: Practice) -> None:
    rng = practice.rng("expenses")
    as_of = practice.as_of
    rows = []
    for job in practice.jobs:
        span = job.work_span()
        if span is None or span[0] > as_of or job.prior:
            continue
        first, last = span[0], min(span[1], as_of)
        away = job.info.city != job.engagement.office.city
        people = [(p, r) for p, r in job.team if r in (TeamRole.MANAGER, TeamRole.SENIOR, TeamRole.STAFF)]
        for person, role in people:
            if rng.random() < 0.4:
                continue
            day = first + DAY * rng.randint(0, max(0, (last - first).days))
            items = _expense_items(rng, away, job.info.city, (last - first).days)
            for category, amount, text in items:
                rows.append(_expense(rng, job, person, role, day, category, amount, text, as_of))
    practice.store.add(rows, owner=practice.firm.pk, keys=False)
    practice.expenses = rows


def _expense_items(rng, away: bool, city: str, days: int) -> list:
    if not away:
        return [(ExpenseCategory.LOCAL_TRANSPORT, Decimal(rng.randint(20, 180)), "外勤市内交通费")]
    nights = max(1, min(days, rng.randint(2, 8)))
    rate = HOTEL.get(city, 300)
    return [
        (ExpenseCategory.TRAVEL, Decimal(rng.randint(90, 420)), "外勤往返高铁票"),
        (ExpenseCategory.ACCOMMODATION, Decimal(rate * nights), f"外勤住宿费（{nights}晚）"),
        (ExpenseCategory.MEALS, Decimal(100 * nights), "外勤伙食补助"),
    ]


def _expense(rng, job, person, role, day, category, amount, text, as_of) -> Expense:
    approver = job.member(TeamRole.PARTNER) if role == TeamRole.MANAGER else job.member(TeamRole.MANAGER)
    approver = approver or job.member(TeamRole.PARTNER)
    status = Decision.APPROVED
    if (as_of - day).days < 7:
        status = Decision.PENDING
    elif rng.random() < 0.03:
        status = Decision.REJECTED
    decided = min(as_of, day + DAY * rng.randint(1, 6))
    return Expense(
        engagement=job.engagement,
        date=day,
        category=category,
        description=text,
        amount=amount,
        billable=rng.random() < 0.9,
        incurred_by=person.user,
        recorded_by=person.user,
        status=status,
        decided_by=approver.user if status != Decision.PENDING else None,
        decided_at=moment(decided, rng) if status != Decision.PENDING else None,
        decision_note="无正式发票，不予报销。" if status == Decision.REJECTED else "",
        created=moment(day, rng),
    )


class Biller:
    def __init__(self, practice: Practice):
        self.p = practice
        self.rng = practice.rng("invoices")
        self.as_of = practice.as_of
        self.expenses = defaultdict(list)
        for e in getattr(practice, "expenses", []):
            if e.status == Decision.APPROVED and e.billable:
                self.expenses[e.engagement_id].append(e)
        self.bills: list[Bill] = []
        self.adjustments: list[WipAdjustment] = []

    def plan(self) -> None:
        for job in self.p.jobs:
            if job.agreement is None:
                continue
            if job.prior:
                self._prior(job)
            else:
                self._job(job)

    def _job(self, job: Job) -> None:
        rng, a = self.rng, job.agreement
        closing = job.stopped if job.engagement.status == Status.CANCELLED else None
        if job.engagement.status in (Status.ISSUED, Status.ARCHIVED):
            closing = job.report
        final_day = closing + DAY * rng.randint(0, 10) if closing else None
        if a.basis == FeeBasis.MILESTONE:
            issued = job.report if closing == job.report else None
            reached = {
                "签约预付": job.accepted,
                "外勤结束": job.end if job.report else None,
                "报告出具": issued,
            }
            for stage in a.stages:
                day = reached[stage.name]
                if day and day <= self.as_of and not (closing and day > closing):
                    line = [(LineKind.FEE, stage.amount, stage.name, stage)]
                    self._bill(job, day + DAY * rng.randint(0, 7), line, final=stage.name == "报告出具")
        elif a.basis == FeeBasis.FIXED:
            if job.fee >= 20000 and job.start and job.start <= self.as_of and rng.random() < 0.4:
                self._bill(
                    job,
                    job.start + DAY * rng.randint(0, 5),
                    [(LineKind.FEE, _half(job.fee), "预收审计费", None)],
                )
            if final_day:
                rest = job.fee - sum(
                    n for b in self._of(job) for k, n, _d, _m in b.lines if k == LineKind.FEE
                )
                if closing == job.stopped:
                    rest = ZERO
                if rest > 0:
                    self._bill(job, final_day, [(LineKind.FEE, rest, "审计费尾款", None)], final=True)
        else:
            self._monthly(job, final_day)
        if final_day:
            self._close(job, final_day)

    def _monthly(self, job: Job, final_day) -> None:
        """Hourly and capped work: each month's approved time, at the agreed rates, up to a cap."""
        a = job.agreement
        months = defaultdict(Decimal)
        for day, value in job.approved_by_day.items():
            months[day.replace(day=1)] += value
        billed = ZERO
        for month in sorted(months):
            day = (month + DAY * 32).replace(day=self.rng.randint(3, 10))
            amount = fen(months[month] * a.discount)
            if a.basis == FeeBasis.CAPPED:
                amount = min(amount, a.amount - billed)
            if amount <= 0 or day > self.as_of:
                continue
            billed += amount
            self._bill(job, day, [(LineKind.FEE, amount, f"{month:%Y年%m月}专业服务费", None)])

    def _bill(self, job, day, lines, final=False) -> Bill:
        if day > self.as_of:
            if not final or (day - self.as_of).days > 10:
                return None
            bill = Bill(job, day, lines, final, InvoiceStatus.DRAFT)
        else:
            bill = Bill(job, day, lines, final)
        if final:
            bill.lines += self._expense_line(job, min(day, self.as_of))
        self.bills.append(bill)
        return bill

    def _of(self, job: Job) -> list[Bill]:
        return [b for b in self.bills if b.job is job]

    def _expense_line(self, job, day) -> list:
        total = sum((e.amount for e in self.expenses[job.engagement.pk] if e.date <= day), ZERO)
        return [(LineKind.EXPENSES, total, "代垫差旅费", None)] if total > 0 else []

    def _close(self, job: Job, day: datetime.date) -> None:
        """Fixed-fee and milestone work ends with a write-off (or write-on) of what WIP is left."""
        if job.agreement.basis not in (FeeBasis.FIXED, FeeBasis.MILESTONE) or day > self.as_of:
            return
        if self.rng.random() < 0.3:
            return  # left in WIP for the partner's next review of unbilled work
        value = sum((v for d, v in job.approved_by_day.items() if d <= day), ZERO)
        value += sum((e.amount for e in self.expenses[job.engagement.pk] if e.date <= day), ZERO)
        billed = sum(
            (n for b in self._of(job) if b.status != InvoiceStatus.DRAFT for _k, n, _d, _m in b.lines), ZERO
        )
        left = fen(value - billed)
        if abs(left) < 100:
            return
        kind = AdjustmentKind.WRITE_OFF if left > 0 else AdjustmentKind.WRITE_ON
        reason = "固定收费项目，超出收费部分的工时价值核销" if left > 0 else "收费高于工时价值，差额转入收入"
        self.adjust(job, day, kind, abs(left), reason)

    def adjust(self, job, day, kind, amount, reason) -> None:
        rng = self.rng
        pending = (self.as_of - day).days < 10
        partner, manager = (
            job.member(TeamRole.PARTNER),
            job.member(TeamRole.MANAGER) or job.member(TeamRole.PARTNER),
        )
        self.adjustments.append(
            WipAdjustment(
                engagement=job.engagement,
                kind=kind,
                date=day,
                amount=amount,
                reason=reason,
                requested_by=manager.user,
                status=Decision.PENDING if pending else Decision.APPROVED,
                decided_by=None if pending else partner.user,
                decided_at=None if pending else moment(min(self.as_of, day + DAY * 2), rng),
                created=moment(day, rng),
            )
        )

    def _prior(self, job: Job) -> None:
        """Last year's audits were billed last year; their time predates the data, so an opening
        write-on brings WIP back to nil, as a firm does when it moves to a new system."""
        day = job.report + DAY * self.rng.randint(0, 10)
        self._bill(job, day, [(LineKind.FEE, job.fee, "审计费", None)])
        self.adjust(job, day, AdjustmentKind.WRITE_ON, job.fee, "系统上线前工时结转（期初在产品）")


def _half(fee: Decimal) -> Decimal:
    return (fee / 2).quantize(Decimal("1"))
