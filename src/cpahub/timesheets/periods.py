"""Report periods: a month, a quarter, a year or any range of days."""

from __future__ import annotations

import calendar
import datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

PERIOD_KINDS = [
    ("month", gettext_lazy("Month")),
    ("quarter", gettext_lazy("Quarter")),
    ("year", gettext_lazy("Year")),
    ("custom", gettext_lazy("Custom")),
]
MAX_DAYS = 3 * 366


def period(kind: str, *, year=None, month=None, quarter=None, start=None, end=None, today=None):
    """(start, end) of the period, both included; a ValidationError says what is missing or wrong."""
    today = today or datetime.date.today()
    year = year or today.year
    if kind == "month":
        month = month or today.month
        return datetime.date(year, month, 1), datetime.date(year, month, calendar.monthrange(year, month)[1])
    if kind == "quarter":
        quarter = quarter or (today.month - 1) // 3 + 1
        first = 3 * (quarter - 1) + 1
        last = first + 2
        return datetime.date(year, first, 1), datetime.date(year, last, calendar.monthrange(year, last)[1])
    if kind == "year":
        return datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    if kind == "custom":
        if not start or not end:
            raise ValidationError(_("Give both the first and the last day of the period."))
        if start > end:
            raise ValidationError(_("The period ends before it starts."))
        if (end - start).days > MAX_DAYS:
            raise ValidationError(_("A period can be at most three years long."))
        return start, end
    raise ValidationError(_("Unknown period."))
