"""Budget vs actual hours per engagement and grade, with warnings at 80% and 100% of the budget.

Actual = submitted + approved hours, by the grade stored on the entries (copied at submission and
approval), so a promotion later does not move past hours to another grade's budget.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, Sum
from django.utils.translation import gettext_lazy as _

from cpahub.timesheets.choices import COUNTED, Status

WARN_AT = Decimal("0.8")
OVER_AT = Decimal("1")

# level -> (label, Bootstrap colour)
LEVELS = {
    "ok": (_("Within budget"), "success"),
    "warning": (_("80 per cent of budget used"), "warning"),
    "over": (_("Budget used up"), "danger"),
    "unbudgeted": (_("No budget for this grade"), "secondary"),
    "none": (_("No budget and no time"), "light"),
}
SEVERITY = ["none", "ok", "unbudgeted", "warning", "over"]


def level_for(budget: Decimal, actual: Decimal) -> str:
    if not budget:
        return "unbudgeted" if actual else "none"
    ratio = actual / budget
    if ratio >= OVER_AT:
        return "over"
    if ratio >= WARN_AT:
        return "warning"
    return "ok"


@dataclass
class BudgetRow:
    grade_id: int | None
    grade: str
    budget: Decimal
    approved: Decimal
    submitted: Decimal

    @property
    def actual(self) -> Decimal:
        return self.approved + self.submitted

    @property
    def ratio(self) -> Decimal | None:
        return (self.actual / self.budget) if self.budget else None

    @property
    def percent(self) -> int | None:
        return None if self.ratio is None else int((self.ratio * 100).to_integral_value())

    @property
    def remaining(self) -> Decimal:
        return self.budget - self.actual

    @property
    def level(self) -> str:
        return level_for(self.budget, self.actual)

    @property
    def level_label(self):
        return LEVELS[self.level][0]

    @property
    def colour(self) -> str:
        return LEVELS[self.level][1]


@dataclass
class BudgetStatus:
    rows: list[BudgetRow]
    total: BudgetRow

    @property
    def level(self) -> str:
        """The worst level of any grade or of the total."""
        return max((r.level for r in [*self.rows, self.total]), key=SEVERITY.index, default="none")

    @property
    def warnings(self) -> list[BudgetRow]:
        return [r for r in [*self.rows, self.total] if r.level in ("warning", "over", "unbudgeted")]


def counted_hours(engagement_ids):
    """Submitted and approved hours per (engagement, grade) for the engagements: one grouped query."""
    from cpahub.timesheets.models import TimeEntry

    return (
        TimeEntry.objects.filter(engagement_id__in=engagement_ids, status__in=COUNTED)
        .values("engagement_id", "grade_id")
        .annotate(
            approved=Sum("hours", filter=Q(status=Status.APPROVED)),
            submitted=Sum("hours", filter=Q(status=Status.SUBMITTED)),
        )
        .order_by()
    )


def statuses(engagement_ids) -> dict[int, BudgetStatus]:
    """Budget status of many engagements in two queries (budget lines, grouped hours)."""
    from cpahub.engagements.models import BudgetLine
    from cpahub.practice.models import Grade

    ids = list(engagement_ids)
    rows: dict[int, dict] = {pk: {} for pk in ids}
    for line in BudgetLine.objects.filter(engagement_id__in=ids).select_related("grade"):
        rows[line.engagement_id][line.grade_id] = BudgetRow(
            line.grade_id, line.grade.name, line.hours, Decimal(0), Decimal(0)
        )
    hours = list(counted_hours(ids))
    missing = {
        h["grade_id"] for h in hours if h["grade_id"] and h["grade_id"] not in rows[h["engagement_id"]]
    }
    names = dict(Grade.objects.filter(pk__in=missing).values_list("pk", "name")) if missing else {}
    for h in hours:
        grades = rows[h["engagement_id"]]
        row = grades.get(h["grade_id"])
        if row is None:
            label = names.get(h["grade_id"]) or str(_("No grade"))
            row = grades[h["grade_id"]] = BudgetRow(h["grade_id"], label, Decimal(0), Decimal(0), Decimal(0))
        row.approved += h["approved"] or 0
        row.submitted += h["submitted"] or 0
    return {pk: _status(list(grades.values())) for pk, grades in rows.items()}


def _status(rows: list[BudgetRow]) -> BudgetStatus:
    total = BudgetRow(
        None,
        str(_("Total")),
        sum((r.budget for r in rows), Decimal(0)),
        sum((r.approved for r in rows), Decimal(0)),
        sum((r.submitted for r in rows), Decimal(0)),
    )
    return BudgetStatus(rows, total)


def budget_status(engagement) -> BudgetStatus:
    """Budget vs actual of one engagement, per grade and in total."""
    return statuses([engagement.pk])[engagement.pk]
