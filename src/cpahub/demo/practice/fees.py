"""Budgets by grade (from the time the engagement took or will take) and fee agreements: the
contracted fee of every accepted engagement, fixed, hourly, capped or by milestone."""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal

from cpahub.billing.choices import DEFAULT_VAT_RATE, FeeBasis
from cpahub.billing.models import FeeAgreement, FeeMilestone, RateOverride
from cpahub.demo.practice.context import Job, Practice
from cpahub.demo.practice.days import Days
from cpahub.demo.practice.store import moment
from cpahub.engagements.choices import EngagementType as T
from cpahub.engagements.choices import Status, TeamRole
from cpahub.engagements.models import BudgetLine, Engagement

DAY = datetime.timedelta(days=1)
ROLE_WEIGHT = {TeamRole.PARTNER: 0.25, TeamRole.QUALITY_REVIEWER: 0.1, TeamRole.MANAGER: 0.6}
BASES = {
    T.FS_AUDIT: {FeeBasis.FIXED: 65, FeeBasis.MILESTONE: 20, FeeBasis.CAPPED: 10, FeeBasis.HOURLY: 5},
    T.SPECIAL_AUDIT: {FeeBasis.FIXED: 60, FeeBasis.HOURLY: 25, FeeBasis.CAPPED: 15},
    T.AUP: {FeeBasis.HOURLY: 50, FeeBasis.FIXED: 50},
    T.TAX: {FeeBasis.FIXED: 80, FeeBasis.HOURLY: 20},
    T.NON_ASSURANCE: {FeeBasis.HOURLY: 60, FeeBasis.FIXED: 40},
}
MINIMUM = {T.CAPITAL_VERIFICATION: 3000, T.FS_AUDIT: 10000}
MILESTONES = (("签约预付", Decimal("0.3"), None), ("外勤结束", Decimal("0.4"), "外勤工作完成"),
              ("报告出具", Decimal("0.3"), "出具报告"))  # fmt: skip


def _round(value: Decimal, step: int) -> Decimal:
    return (value / step).quantize(Decimal("1"), rounding=ROUND_HALF_UP) * step


def make_budgets(practice: Practice) -> None:
    rng = practice.rng("budgets")
    days = Days(datetime.date(practice.scale.year - 2, 1, 1), datetime.date(practice.scale.year + 1, 12, 31))
    lines = []
    for job in practice.jobs:
        if job.engagement.status == Status.DECLINED:
            continue
        projected = _projected(job, days, practice.as_of)
        for code, hours in projected.items():
            factor = Decimal(str(round(rng.lognormvariate(0.07, 0.13), 3)))
            budget = max(Decimal(4), _round(hours * factor, 5))
            job.budget[code] = budget
            lines.append(BudgetLine(engagement=job.engagement, grade=practice.grades[code], hours=budget))
    practice.store.add(lines, owner=practice.firm.pk, keys=False)


def _projected(job: Job, days: Days, as_of) -> dict[str, Decimal]:
    """Hours by grade the engagement will have taken: its time so far scaled to the whole work, or
    (before any time) its planned hours shared out by role."""
    span = job.work_span()
    recorded = {code: h for code, h in job.hours_by_grade.items() if h > 0}
    if span and recorded and span[0] <= as_of:
        total = max(1, days.count(*span))
        done = max(1, days.count(span[0], min(span[1], as_of)))
        scale = Decimal(total) / Decimal(done)
        return {code: hours * scale for code, hours in recorded.items()}
    weights = [(p.code, ROLE_WEIGHT.get(r, 1.0)) for p, r in job.team if p.code]
    total = sum(w for _c, w in weights) or 1
    planned: dict[str, Decimal] = {}
    for code, weight in weights:
        planned[code] = planned.get(code, Decimal(0)) + Decimal(str(round(job.hours * weight / total, 1)))
    return planned


def make_agreements(practice: Practice) -> None:
    rng = practice.rng("fees")
    store, firm, grades = practice.store, practice.firm, practice.grades
    agreements, overrides, milestones = [], [], []
    for job in practice.jobs:
        e = job.engagement
        standard = sum((hours * grades[code].charge_rate for code, hours in job.budget.items()), Decimal(0))
        audit = e.type in (T.FS_AUDIT, T.SPECIAL_AUDIT, T.CAPITAL_VERIFICATION)
        fee = standard * Decimal(str(round(rng.uniform(0.55, 0.95) if audit else rng.uniform(0.7, 1.0), 3)))
        fee = max(Decimal(MINIMUM.get(e.type, 5000)), _round(fee, 1000 if fee > 20000 else 100))
        job.fee = fee
        if job.accepted is None or e.status in (Status.PROPOSED, Status.DECLINED):
            continue
        choices = BASES.get(e.type, {FeeBasis.FIXED: 1})
        basis = rng.choices(list(choices), list(choices.values()))[0]
        amount = fee
        if basis == FeeBasis.CAPPED:
            amount = max(fee, _round(standard * Decimal(str(round(rng.uniform(0.75, 1.0), 3))), 1000))
        agreement = FeeAgreement(
            engagement=e,
            basis=basis,
            amount=None if basis == FeeBasis.MILESTONE else amount,
            tax_rate=DEFAULT_VAT_RATE,
            payment_days=rng.choice((15, 30, 30, 30, 45, 60)),
            letter_number=f"{practice.settings.report_prefix}约字〔{job.accepted.year}〕第{e.code[-4:]}号",
            signed_on=job.accepted,
            created=moment(job.accepted, rng),
        )
        agreement.discount = Decimal("1")
        job.agreement = agreement
        agreements.append(agreement)
        if basis == FeeBasis.HOURLY and rng.random() < 0.5:
            agreement.discount = Decimal(rng.choice(("0.85", "0.9")))
            for code in sorted(job.budget):
                rate = _round(grades[code].charge_rate * agreement.discount, 10)
                overrides.append(RateOverride(agreement=agreement, grade=grades[code], rate=rate))
        if basis == FeeBasis.MILESTONE:
            agreement.stages = []
            paid = Decimal(0)
            for i, (name, share, linked) in enumerate(MILESTONES):
                value = fee - paid if i == len(MILESTONES) - 1 else _round(fee * share, 100)
                paid += value
                due = (job.accepted, job.end or e.report_due, e.report_due)[i]
                stage = FeeMilestone(
                    agreement=agreement,
                    name=name,
                    amount=value,
                    due=due,
                    milestone=job.milestones.get(linked),
                )
                agreement.stages.append(stage)
                milestones.append(stage)
        e.contracted_fee = fee if basis == FeeBasis.MILESTONE else amount
    store.add(agreements, owner=firm.pk)
    store.add(overrides, owner=firm.pk, keys=False)
    store.add(milestones, owner=firm.pk)
    Engagement.objects.bulk_update([j.engagement for j in practice.jobs], ["contracted_fee"], batch_size=1000)
