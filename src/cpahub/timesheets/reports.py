"""Utilisation (chargeable ÷ available hours) of a firm's people, by person, office or grade.

Available hours = Chinese working days (调休 make-up days included, holidays excluded) between the
later of the period start and the day the person joined and the earlier of the period end and the day
they left × the firm's hours per day × the person's capacity.

Used by the report page, the partner dashboard and the benchmark. Three queries whatever the number of
people: firm settings, staff profiles, hours grouped by person (summed in the database).
"""

from __future__ import annotations

import datetime
from dataclasses import asdict, dataclass, field
from decimal import Decimal

from django.db.models import Q, Sum
from django.utils.translation import gettext as _

from cpahub.timesheets.choices import CHARGEABLE, COUNTED, Status
from cpahub.timesheets.workdays import WorkingDays

GROUPINGS = ("person", "office", "grade")
TWO = Decimal("0.01")


@dataclass
class UtilisationRow:
    key: int | None
    label: str
    people: int = 0
    working_days: int = 0  # summed over people (person rows: that person's)
    available: Decimal = Decimal(0)
    chargeable: Decimal = Decimal(0)
    recorded: Decimal = Decimal(0)
    extra: dict = field(default_factory=dict)

    @property
    def utilisation(self) -> Decimal | None:
        """Chargeable ÷ available, as a fraction (0.75 = 75%); None when nothing was available."""
        if not self.available:
            return None
        return (self.chargeable / self.available).quantize(Decimal("0.0001"))

    @property
    def percent(self) -> Decimal | None:
        ratio = self.utilisation
        return None if ratio is None else (ratio * 100).quantize(Decimal("0.1"))

    def as_dict(self) -> dict:
        data = asdict(self)
        data.update(utilisation=self.utilisation, percent=self.percent)
        return data


def staff_in_period(firm, start: datetime.date, end: datetime.date, staff=None):
    """Staff profiles of the firm who worked some of the period (optionally within `staff`)."""
    from cpahub.practice.models import StaffProfile

    profiles = staff if staff is not None else StaffProfile.objects.all()
    return profiles.filter(firm=firm).filter(
        Q(joined__isnull=True) | Q(joined__lte=end), Q(left__isnull=True) | Q(left__gte=start)
    )


def utilisation(
    firm,
    start: datetime.date,
    end: datetime.date,
    by: str = "person",
    *,
    staff=None,
    engagement=None,
    include_submitted: bool = False,
) -> list[UtilisationRow]:
    """Rows of utilisation for the period [start, end] (both included).

    `staff` narrows the people (a StaffProfile queryset, e.g. what the viewer may see); `engagement`
    narrows them to its team; `include_submitted` counts submitted as well as approved time.
    Raises `workdays.CalendarUnsupported` for a year the Chinese calendar does not know.
    """
    from cpahub.practice.models import FirmSettings

    if by not in GROUPINGS:
        raise ValueError(f"by must be one of {GROUPINGS}")
    if start > end:
        raise ValueError("start is after end")
    days = WorkingDays(start, end)
    hours_per_day = FirmSettings.for_firm(firm).hours_per_day
    profiles = staff_in_period(firm, start, end, staff)
    if engagement is not None:
        profiles = profiles.filter(user__engagement_roles__engagement=engagement).distinct()
    profiles = list(profiles.select_related("user", "office", "grade").order_by("user__display_name", "pk"))
    narrowed = staff is not None or engagement is not None
    user_ids = [p.user_id for p in profiles] if narrowed else None
    hours = _hours_by_person(firm, start, end, user_ids, include_submitted)
    people = [_person_row(p, days, hours_per_day, hours.get(p.user_id, {})) for p in profiles]
    if by == "person":
        return people
    return _group(people, profiles, by)


def _hours_by_person(firm, start, end, user_ids, include_submitted) -> dict[int, dict]:
    from cpahub.timesheets.models import TimeEntry

    statuses = COUNTED if include_submitted else (Status.APPROVED,)
    entries = TimeEntry.objects.filter(firm=firm, date__range=(start, end), status__in=statuses)
    if user_ids is not None:  # else the whole firm: hours of people without a profile row are dropped
        entries = entries.filter(user_id__in=user_ids)
    rows = (
        entries.values("user_id")
        .annotate(recorded=Sum("hours"), chargeable=Sum("hours", filter=CHARGEABLE))
        .order_by()
    )
    return {row["user_id"]: row for row in rows}


def _person_row(profile, days: WorkingDays, hours_per_day, hours: dict) -> UtilisationRow:
    worked = days.count(profile.joined, profile.left)
    available = (Decimal(worked) * hours_per_day * profile.capacity).quantize(TWO)
    return UtilisationRow(
        key=profile.user_id,
        label=str(profile.user),
        people=1,
        working_days=worked,
        available=available,
        chargeable=hours.get("chargeable") or Decimal(0),
        recorded=hours.get("recorded") or Decimal(0),
        extra={
            "office": str(profile.office),
            "grade": str(profile.grade) if profile.grade_id else "",
            "capacity": profile.capacity,
        },
    )


def _group(people, profiles, by: str) -> list[UtilisationRow]:
    groups: dict[int | None, UtilisationRow] = {}
    order: dict[int | None, tuple] = {}
    for row, profile in zip(people, profiles, strict=True):
        if by == "office":
            key, label, rank = profile.office_id, str(profile.office), (profile.office.parent_id is not None,)
        else:
            key = profile.grade_id
            label = str(profile.grade) if key else _("No grade")
            rank = (profile.grade.rank if key else 999,)
        group = groups.get(key)
        if group is None:
            group = groups[key] = UtilisationRow(key=key, label=label)
            order[key] = (*rank, label)
        group.people += 1
        group.working_days += row.working_days
        group.available += row.available
        group.chargeable += row.chargeable
        group.recorded += row.recorded
    return [groups[key] for key in sorted(groups, key=lambda k: order[k])]


def total(rows: list[UtilisationRow]) -> UtilisationRow:
    """The sum of rows (people are counted once only when the rows are people or disjoint groups)."""
    result = UtilisationRow(key=None, label=_("Total"))
    for row in rows:
        result.people += row.people
        result.working_days += row.working_days
        result.available += row.available
        result.chargeable += row.chargeable
        result.recorded += row.recorded
    return result
