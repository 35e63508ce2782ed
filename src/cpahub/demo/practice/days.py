"""Chinese working days (`chinese-calendar`, 调休 included) for planning; plain weekdays where the
calendar has no data yet (next year's plans)."""

from __future__ import annotations

import bisect
import datetime
from functools import lru_cache

import chinese_calendar

from cpahub.timesheets.workdays import supported_years

ONE = datetime.timedelta(days=1)


@lru_cache(maxsize=4096)
def is_workday(day: datetime.date) -> bool:
    first, last = supported_years()
    if first <= day.year <= last:
        return chinese_calendar.is_workday(day)
    return day.weekday() < 5


class Days:
    """The working days between two dates, for counting and stepping without loops over days."""

    def __init__(self, first: datetime.date, last: datetime.date):
        self.first, self.last = first, last
        span = (last - first).days + 1
        self.all = [first + datetime.timedelta(days=n) for n in range(span)]
        self.work = [day for day in self.all if is_workday(day)]

    def count(self, start: datetime.date, end: datetime.date) -> int:
        return max(0, bisect.bisect_right(self.work, end) - bisect.bisect_left(self.work, start))

    def on_or_after(self, day: datetime.date) -> datetime.date:
        i = bisect.bisect_left(self.work, day)
        return self.work[i] if i < len(self.work) else day

    def on_or_before(self, day: datetime.date) -> datetime.date:
        i = bisect.bisect_right(self.work, day) - 1
        return self.work[i] if i >= 0 else day

    def add(self, day: datetime.date, n: int) -> datetime.date:
        """The working day `n` working days after (n > 0) or before (n < 0) `day`'s working day."""
        i = bisect.bisect_left(self.work, day) + n
        if 0 <= i < len(self.work):
            return self.work[i]
        return day + datetime.timedelta(days=round(n * 7 / 5))


def monday(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())
