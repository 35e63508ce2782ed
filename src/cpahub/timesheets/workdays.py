"""Chinese working days (`chinese-calendar`): public holidays off, 调休 make-up weekend days on.

The library knows only the years the State Council has published; asking about another year is an
error the user sees, never a silent guess.
"""

from __future__ import annotations

import bisect
import datetime
from functools import lru_cache

import chinese_calendar
from django.utils.translation import gettext as _


class CalendarUnsupported(ValueError):
    pass


@lru_cache(maxsize=1)
def supported_years() -> tuple[int, int]:
    from chinese_calendar.constants import holidays, workdays

    years = {day.year for day in holidays} | {day.year for day in workdays}
    return min(years), max(years)


def check_period(start: datetime.date, end: datetime.date) -> None:
    first, last = supported_years()
    for year in sorted({start.year, end.year}):
        if not first <= year <= last:
            raise CalendarUnsupported(
                _(
                    "The Chinese working-day calendar is known for %(first)d to %(last)d only; "
                    "%(year)d is not covered. Update the chinese-calendar package once the State "
                    "Council publishes that year's holidays."
                )
                % {"first": first, "last": last, "year": year}
            )


class WorkingDays:
    """The working days of a period, counted for any sub-range without a loop over days."""

    def __init__(self, start: datetime.date, end: datetime.date):
        self.start, self.end = start, end
        self.days = _working_days(start, end)

    def count(self, start: datetime.date | None = None, end: datetime.date | None = None) -> int:
        start = max(start or self.start, self.start)
        end = min(end or self.end, self.end)
        if start > end:
            return 0
        return bisect.bisect_right(self.days, end) - bisect.bisect_left(self.days, start)

    def __len__(self):
        return len(self.days)


@lru_cache(maxsize=64)
def _working_days(start: datetime.date, end: datetime.date) -> tuple[datetime.date, ...]:
    if start > end:
        return ()
    check_period(start, end)
    span = (end - start).days + 1
    days = (start + datetime.timedelta(days=n) for n in range(span))
    return tuple(day for day in days if chinese_calendar.is_workday(day))
