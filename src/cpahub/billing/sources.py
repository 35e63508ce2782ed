"""What billing reads from other parts: approved chargeable time (timesheets).

One grouped query over the time entries, whatever their number: hours and their standard value (the
charge-out rate copied onto each entry at approval) per engagement and grade, with the same split by
age (days before `until`) for the ageing of unbilled time.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.apps import apps
from django.db.models import Case, DecimalField, F, IntegerField, Sum, Value, When

from cpahub.billing.choices import AGE_BUCKETS
from cpahub.billing.money import fen

MONEY = DecimalField(max_digits=18, decimal_places=2)
ZERO = Decimal("0")


@dataclass
class TimeGroup:
    """Approved chargeable time of one grade on one engagement."""

    engagement_id: int
    grade_id: int | None
    hours: Decimal = ZERO
    standard: Decimal = ZERO  # hours × charge-out rate at approval
    hours_by_age: list[Decimal] = field(default_factory=list)
    standard_by_age: list[Decimal] = field(default_factory=list)


def age_bucket(date_field: str, as_of: datetime.date) -> Case:
    """The age bucket (0 = 0–30 days ... 4 = over 365 days) of a date before `as_of`, as one CASE."""
    whens = [
        When(**{f"{date_field}__gte": as_of - datetime.timedelta(days=days)}, then=Value(index))
        for index, (_key, _label, days) in enumerate(AGE_BUCKETS)
        if days is not None
    ]
    return Case(*whens, default=Value(len(AGE_BUCKETS) - 1), output_field=IntegerField())


def entries():
    from cpahub.timesheets.choices import CHARGEABLE, Status

    TimeEntry = apps.get_model("timesheets", "TimeEntry")
    return TimeEntry.objects.filter(CHARGEABLE, status=Status.APPROVED)


def approved_time(engagements, until: datetime.date, since: datetime.date | None = None, ages: bool = False):
    """[TimeGroup] of approved chargeable time on `engagements` (a queryset or ids) dated ≤ `until`.

    With `ages`, the database also groups by age bucket (one CASE per row); the buckets are folded
    into each group's lists here.
    """
    rows = entries().filter(engagement_id__in=engagements, date__lte=until)
    if since is not None:
        rows = rows.filter(date__gte=since)
    keys = ["engagement_id", "grade_id"]
    if ages:
        rows = rows.annotate(age=age_bucket("date", until))
        keys.append("age")
    sums = rows.values(*keys).annotate(
        hours_=Sum("hours"), standard_=Sum(F("hours") * F("charge_rate"), output_field=MONEY)
    )
    groups: dict[tuple, TimeGroup] = {}
    for row in sums.order_by():
        key = (row["engagement_id"], row["grade_id"])
        group = groups.get(key)
        if group is None:
            group = groups[key] = TimeGroup(*key)
            if ages:
                group.hours_by_age = [ZERO] * len(AGE_BUCKETS)
                group.standard_by_age = [ZERO] * len(AGE_BUCKETS)
        hours, standard = fen(row["hours_"] or 0), fen(row["standard_"] or 0)
        group.hours += hours
        group.standard += standard
        if ages:
            group.hours_by_age[row["age"]] += hours
            group.standard_by_age[row["age"]] += standard
    return list(groups.values())


def approved_time_value(engagement_ids, until: datetime.date) -> dict[int, tuple[Decimal, Decimal]]:
    """{engagement id: (hours, value at the engagement's charge-out rates)} — see `reports.wip`."""
    from cpahub.billing.aggregates import time_by_engagement

    return {
        eid: (item.hours, item.value)
        for eid, item in time_by_engagement(engagement_ids, until, ages=False).items()
    }
