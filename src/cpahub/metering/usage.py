"""The usage figures of every firm for a month, computed with one grouped query per figure.

A firm's figures include its branches. Months that are closed (`cpahub usage close`) are read from
`UsageRecord`; the current month and unclosed months are computed live.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.apps import apps
from django.db.models import Count, DateField, F, Min, Q
from django.db.models.functions import Coalesce, TruncDate, TruncMonth
from django.utils import timezone

from cpahub.accounts.choices import FIRM_ROLES, OrgKind, OrgStatus
from cpahub.accounts.models import Membership, Organisation

FIGURES = ("cpas", "active_users", "engagements_open", "engagements_new", "time_entries", "reports_issued")


@dataclass
class FirmUsage:
    firm: Organisation
    month: datetime.date
    cpas: int = 0
    active_users: int = 0
    engagements_open: int = 0
    engagements_new: int = 0
    time_entries: int = 0
    reports_issued: int = 0
    closed: bool = False
    first_active: datetime.date | None = None  # the firm's first day on the platform ("早使用多奖补")


def month_bounds(month: datetime.date) -> tuple[datetime.date, datetime.date]:
    start = month.replace(day=1)
    following = (start + datetime.timedelta(days=32)).replace(day=1)
    return start, following - datetime.timedelta(days=1)


def parse_month(text: str) -> datetime.date:
    """'2026-10' -> 2026-10-01; ValueError with a plain message otherwise."""
    try:
        return datetime.datetime.strptime(text.strip(), "%Y-%m").date()
    except ValueError:
        raise ValueError(f"not a month (YYYY-MM): {text!r}") from None


def _head(org_field: str):
    """The firm head office of `org_field` (the organisation itself or its parent)."""
    return Coalesce(F(f"{org_field}__parent_id"), F(f"{org_field}_id"))


def _month(expression) -> TruncMonth:
    return TruncMonth(expression, output_field=DateField())


def compute(month: datetime.date, firms) -> dict[int, dict[str, int]]:
    """Live figures for `month` of the given head offices: {firm id: {figure: value}}."""
    month = month.replace(day=1)
    return compute_months([month], firms)[month]


def compute_months(months: list[datetime.date], firms) -> dict[datetime.date, dict[int, dict[str, int]]]:
    """Live figures for each of `months` (first days) of the given head offices, with one grouped
    query per figure whatever the number of months: {month: {firm id: {figure: value}}}."""
    start, end = month_bounds(min(months))[0], month_bounds(max(months))[1]
    ids = [firm.pk for firm in firms]
    counts: dict[tuple, int] = defaultdict(int)  # (figure, month, firm id) -> value

    # a user counts in a month with an active day, for each firm they were a member of in that month
    members = (
        Membership.objects.filter(role__in=FIRM_ROLES, organisation__kind=OrgKind.FIRM)
        .filter(Q(organisation_id__in=ids) | Q(organisation__parent_id__in=ids))
        .annotate(day=F("user__active_days__day"))
        .filter(day__range=(start, end))
        .annotate(m=_month("day"), joined=_month("started"), left=_month("ended"), head=_head("organisation"))
        .filter(joined__lte=F("m"))
        .filter(Q(ended__isnull=True) | Q(left__gte=F("m")))
    )
    for row in members.values("head", "m").annotate(n=Count("user", distinct=True)).order_by():
        counts["active_users", row["m"], row["head"]] = row["n"]

    CPA = apps.get_model("registry", "CPA")
    practising = CPA.objects.filter(status="practising", firm__organisation__kind=OrgKind.FIRM)
    practising = practising.filter(Q(firm_id__in=ids) | Q(firm__organisation__parent_id__in=ids))
    cpas = _grouped(practising.annotate(head=_head("firm__organisation")), "head")
    for month in months:  # the register has no history: today's practising CPAs for every month
        for (head,), n in cpas.items():
            counts["cpas", month, head] = n

    Engagement = apps.get_model("engagements", "Engagement")
    engagements = Engagement.objects.filter(firm_id__in=ids)
    created = engagements.annotate(m=_month(TruncDate("created")))
    for (firm, m), n in _grouped(created.filter(m__range=(start, end)), "firm_id", "m").items():
        counts["engagements_new", m, firm] = n
    live = created.exclude(status__in=("declined", "cancelled")).filter(m__lte=end)
    live = live.filter(Q(archived_on__isnull=True) | Q(archived_on__gte=start))
    for (firm, opened, archived), n in _grouped(
        live.annotate(archived=_month("archived_on")), "firm_id", "m", "archived"
    ).items():
        for month in months:  # open in every month from its creation to its archiving
            if opened <= month and (archived is None or archived >= month):
                counts["engagements_open", month, firm] += n
    issued = engagements.filter(report_date__range=(start, end)).annotate(m=_month("report_date"))
    for (firm, m), n in _grouped(issued, "firm_id", "m").items():
        counts["reports_issued", m, firm] = n

    if apps.is_installed("cpahub.timesheets") and _has_model("timesheets", "TimeEntry"):
        TimeEntry = apps.get_model("timesheets", "TimeEntry")
        entries = TimeEntry.objects.filter(firm_id__in=ids, date__range=(start, end))
        for (firm, m), n in _grouped(entries.annotate(m=_month("date")), "firm_id", "m").items():
            counts["time_entries", m, firm] = n
    return {
        month: {pk: {name: counts.get((name, month, pk), 0) for name in FIGURES} for pk in ids}
        for month in months
    }


def _grouped(queryset, *fields: str) -> dict[tuple, int]:
    return {
        tuple(_as_date(row[f]) for f in fields): row["n"]
        for row in queryset.values(*fields).annotate(n=Count("pk")).order_by()
    }


def _as_date(value):
    return value.date() if isinstance(value, datetime.datetime) else value


def _has_model(app: str, model: str) -> bool:
    try:
        apps.get_model(app, model)
    except LookupError:
        return False
    return True


def head_offices():
    return Organisation.objects.filter(kind=OrgKind.FIRM, parent__isnull=True).exclude(
        status=OrgStatus.PENDING
    )


def first_active(firms) -> dict[int, datetime.date]:
    """The first day anyone of each firm (or its branches) used the platform."""
    ids = [firm.pk for firm in firms]
    members = Membership.objects.filter(role__in=FIRM_ROLES, organisation__kind=OrgKind.FIRM).filter(
        Q(organisation_id__in=ids) | Q(organisation__parent_id__in=ids)
    )
    head = Coalesce(F("organisation__parent_id"), F("organisation_id"))
    rows = members.annotate(head=head).values("head").annotate(first=Min("user__active_days__day"))
    return {row["head"]: row["first"] for row in rows if row["first"]}


def figures_for(month: datetime.date, firms) -> list[FirmUsage]:
    """Closed records where the month is closed, live figures otherwise."""
    month = month.replace(day=1)
    firms = list(firms)
    values = _values([month], firms)[month]
    firsts = first_active(firms)
    return [
        FirmUsage(
            firm=firm,
            month=month,
            closed=values[firm.pk][1],
            first_active=firsts.get(firm.pk),
            **values[firm.pk][0],
        )
        for firm in firms
    ]


def _values(months: list[datetime.date], firms: list) -> dict[datetime.date, dict[int, tuple[dict, bool]]]:
    """{month: {firm id: (figures, closed)}}: closed records where there are, live figures for the rest."""
    from cpahub.metering.models import UsageRecord

    closed = {(r.month, r.firm_id): r for r in UsageRecord.objects.filter(month__in=months, firm__in=firms)}
    open_months = sorted({m for m in months if any((m, firm.pk) not in closed for firm in firms)})
    live = compute_months(open_months, firms) if open_months and firms else {}
    result: dict = {}
    for month in months:
        for firm in firms:
            record = closed.get((month, firm.pk))
            if record is not None:
                figures = ({name: getattr(record, name) for name in FIGURES}, True)
            else:
                figures = (live[month][firm.pk], False)
            result.setdefault(month, {})[firm.pk] = figures
    return result


def close_month(month: datetime.date) -> int:
    """Store the figures of a past month for every firm; returns the number of firms recorded."""
    from cpahub.metering.models import UsageRecord

    month = month.replace(day=1)
    if month >= timezone.localdate().replace(day=1):
        raise ValueError("only a past month can be closed")
    firms = list(head_offices())
    live = compute(month, firms)
    for firm in firms:
        UsageRecord.objects.update_or_create(firm=firm, month=month, defaults=live[firm.pk])
    return len(firms)


def monthly_totals(firms, months: list[datetime.date]) -> list[dict]:
    """Province (or city, or firm) totals per month, for the trend chart."""
    months = [month.replace(day=1) for month in months]
    values = _values(months, list(firms))
    return [
        {"month": month, **{name: sum(v[0][name] for v in values[month].values()) for name in FIGURES}}
        for month in months
    ]
