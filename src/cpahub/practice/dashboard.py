"""The partner dashboard (FIRM-1): pipeline, deadlines, utilisation, WIP, receivables, realisation.

Every figure comes from the report functions of the parts that own the data (timesheets.reports,
billing.reports) so that the dashboard and the report pages never disagree.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from cpahub.engagements.choices import Status
from cpahub.engagements.models import Engagement, Milestone
from cpahub.practice.models import FirmSettings

SOON_DAYS = 30
OPEN = (Status.PROPOSED, Status.ACCEPTED, Status.PLANNED, Status.FIELDWORK, Status.REVIEW)


@dataclass
class Deadline:
    engagement: Engagement
    what: str
    due: datetime.date
    overdue: bool


@dataclass
class PartnerDashboard:
    firm: object
    today: datetime.date
    pipeline: list[tuple[str, str, int]]  # (status, label, count)
    deadlines: list[Deadline]
    utilisation_month: object  # timesheets.reports.UtilisationRow (total)
    utilisation_year: object
    utilisation_by_office: list
    wip: object  # billing.reports.Report by partner
    ageing: object  # billing.reports.Report by client
    realisation: object  # billing.reports.Report by partner
    charts: dict = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def _pipeline(firm) -> list[tuple[str, str, int]]:
    counts = dict(
        Engagement.objects.filter(firm=firm).values_list("status").annotate(n=Count("pk")).order_by()
    )
    return [(value, label, counts.get(value, 0)) for value, label in Status.choices]


def _deadlines(firm, today: datetime.date) -> list[Deadline]:
    """Reports due, archive deadlines and milestones falling due within SOON_DAYS or overdue."""
    horizon = today + datetime.timedelta(days=SOON_DAYS)
    archive_days = FirmSettings.for_firm(firm).archive_days
    found: list[Deadline] = []
    live = Engagement.objects.filter(firm=firm).select_related("client")
    for e in live.filter(status__in=OPEN, report_due__lte=horizon).order_by("report_due")[:50]:
        found.append(Deadline(e, _("Report due"), e.report_due, e.report_due < today))
    latest_report = horizon - datetime.timedelta(days=archive_days)
    for e in live.filter(status=Status.ISSUED, report_date__lte=latest_report).order_by("report_date")[:50]:
        due = e.report_date + datetime.timedelta(days=archive_days)
        found.append(Deadline(e, _("Archive deadline"), due, due < today))
    milestones = Milestone.objects.filter(
        engagement__firm=firm, engagement__status__in=OPEN, done_on__isnull=True, due__lte=horizon
    ).select_related("engagement", "engagement__client")
    for m in milestones.order_by("due")[:50]:
        found.append(Deadline(m.engagement, m.name, m.due, m.due < today))
    return sorted(found, key=lambda d: d.due)


def build(firm, user, today: datetime.date | None = None) -> PartnerDashboard:
    from cpahub.billing import reports as billing
    from cpahub.timesheets import reports as time
    from cpahub.timesheets.workdays import CalendarUnsupported

    today = today or timezone.localdate()
    year_start = today.replace(month=1, day=1)
    problems = []
    try:
        month_rows = time.utilisation(firm, today.replace(day=1), today)
        year_rows = time.utilisation(firm, year_start, today, by="office")
    except CalendarUnsupported as error:
        problems.append(str(error))
        month_rows, year_rows = [], []
    board = PartnerDashboard(
        firm=firm,
        today=today,
        pipeline=_pipeline(firm),
        deadlines=_deadlines(firm, today),
        utilisation_month=time.total(month_rows),
        utilisation_year=time.total(year_rows),
        utilisation_by_office=year_rows,
        wip=billing.wip(firm, today, by="partner", user=user),
        ageing=billing.ageing(firm, today, user=user),
        realisation=billing.realisation(firm, year_start, today, by="partner", user=user),
        problems=problems,
    )
    board.charts = _charts(board)
    return board


def _money(value) -> float:
    return float((value or Decimal(0)).quantize(Decimal("1")))


def office_label(name: str, firm_name: str) -> str:
    """A branch by what tells it apart ("九江分所"), the head office as such: the firm's name is the
    same on every bar."""
    if name == firm_name:
        return _("Head office")
    return name.removeprefix(firm_name).strip() or name


def _charts(board: PartnerDashboard) -> dict:
    from cpahub.billing.choices import AGE_BUCKETS

    ageing_total = board.ageing.total
    return {
        "pipeline": {
            "categories": [label for _v, label, _n in board.pipeline],
            "series": [{"name": _("Engagements"), "values": [n for _v, _l, n in board.pipeline]}],
        },
        "utilisation": {
            "categories": [office_label(row.label, board.firm.name) for row in board.utilisation_by_office],
            "series": [
                {
                    "name": _("Utilisation (%)"),
                    "values": [float(row.percent or 0) for row in board.utilisation_by_office],
                }
            ],
        },
        "wip": {
            "categories": [row.label for row in board.wip.rows[:10]],
            "series": [{"name": _("WIP"), "values": [_money(row.wip) for row in board.wip.rows[:10]]}],
        },
        "ageing": {
            "categories": [str(label) for _k, label, _d in AGE_BUCKETS],
            "series": [{"name": _("Receivables"), "values": [_money(v) for v in ageing_total.ages]}],
        },
        "realisation": {
            "categories": [row.label for row in board.realisation.rows[:10]],
            "series": [
                {
                    "name": _("Billed ÷ standard (%)"),
                    "values": [float((row.billing_rate or 0) * 100) for row in board.realisation.rows[:10]],
                },
                {
                    "name": _("Collected ÷ billed (%)"),
                    "values": [
                        float((row.collection_rate or 0) * 100) for row in board.realisation.rows[:10]
                    ],
                },
            ],
        },
    }
