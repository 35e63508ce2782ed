"""The usage figures of every firm for a month, computed with one grouped query per figure.

A firm's figures include its branches. Months that are closed (`cpahub usage close`) are read from
`UsageRecord`; the current month and unclosed months are computed live.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.apps import apps
from django.db.models import Count, F, Min, Q
from django.db.models.functions import Coalesce
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


def _by_head(queryset, org_field: str, count: str = "pk", distinct: bool = False) -> dict[int, int]:
    """Counts grouped by the firm head office of `org_field` (the organisation itself or its parent)."""
    head = Coalesce(F(f"{org_field}__parent_id"), F(f"{org_field}_id"))
    rows = queryset.annotate(head=head).values("head").annotate(n=Count(count, distinct=distinct))
    return {row["head"]: row["n"] for row in rows}


def compute(month: datetime.date, firms) -> dict[int, dict[str, int]]:
    """Live figures for `month` of the given head offices: {firm id: {figure: value}}."""
    start, end = month_bounds(month)
    ids = [firm.pk for firm in firms]
    figures: dict[str, dict[int, int]] = {}

    members = Membership.objects.filter(
        role__in=FIRM_ROLES,
        organisation__kind=OrgKind.FIRM,
        started__lte=end,
        user__active_days__day__range=(start, end),
    ).filter(Q(ended__isnull=True) | Q(ended__gte=start))
    members = members.filter(Q(organisation_id__in=ids) | Q(organisation__parent_id__in=ids))
    figures["active_users"] = _by_head(members, "organisation", "user", distinct=True)

    CPA = apps.get_model("registry", "CPA")
    practising = CPA.objects.filter(status="practising", firm__organisation__kind=OrgKind.FIRM)
    practising = practising.filter(Q(firm_id__in=ids) | Q(firm__organisation__parent_id__in=ids))
    figures["cpas"] = _by_head(practising, "firm__organisation")

    Engagement = apps.get_model("engagements", "Engagement")
    engagements = Engagement.objects.filter(firm_id__in=ids)
    live = engagements.exclude(status__in=("declined", "cancelled"))
    open_ = live.filter(created__date__lte=end).filter(
        Q(archived_on__isnull=True) | Q(archived_on__gte=start)
    )
    figures["engagements_open"] = _count_by(open_, "firm_id")
    figures["engagements_new"] = _count_by(engagements.filter(created__date__range=(start, end)), "firm_id")
    figures["reports_issued"] = _count_by(engagements.filter(report_date__range=(start, end)), "firm_id")

    if apps.is_installed("cpahub.timesheets") and _has_model("timesheets", "TimeEntry"):
        TimeEntry = apps.get_model("timesheets", "TimeEntry")
        entries = TimeEntry.objects.filter(firm_id__in=ids, date__range=(start, end))
        figures["time_entries"] = _count_by(entries, "firm_id")
    return {pk: {name: figures.get(name, {}).get(pk, 0) for name in FIGURES} for pk in ids}


def _count_by(queryset, field: str) -> dict[int, int]:
    return {row[field]: row["n"] for row in queryset.values(field).annotate(n=Count("pk"))}


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
    from cpahub.metering.models import UsageRecord

    month = month.replace(day=1)
    firms = list(firms)
    closed = {r.firm_id: r for r in UsageRecord.objects.filter(month=month, firm__in=firms)}
    missing = [firm for firm in firms if firm.pk not in closed]
    live = compute(month, missing) if missing else {}
    firsts = first_active(firms)
    result = []
    for firm in firms:
        record = closed.get(firm.pk)
        values = {name: getattr(record, name) for name in FIGURES} if record else live[firm.pk]
        result.append(
            FirmUsage(
                firm=firm, month=month, closed=record is not None, first_active=firsts.get(firm.pk), **values
            )
        )
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
    rows = []
    for month in months:
        usage = figures_for(month, firms)
        rows.append({"month": month, **{name: sum(getattr(u, name) for u in usage) for name in FIGURES}})
    return rows
