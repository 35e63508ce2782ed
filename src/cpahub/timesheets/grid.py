"""The weekly grid a template draws: lines (engagement + task) × days, with totals.

Form fields are named h_<engagement or 0>_<task>_<yyyymmdd> (hours) and n_… (note), so that one POST
can carry any set of cells and the view can read them back without hidden bookkeeping.
"""

from __future__ import annotations

import datetime
import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from cpahub.timesheets.choices import EDITABLE, Task, is_chargeable
from cpahub.timesheets.services import Cell, line_key

FIELD = re.compile(r"^(?P<kind>[hn])_(?P<engagement>\d+)_(?P<task>[a-z_]+?)_(?P<day>\d{8})$")


def field_name(kind: str, engagement_id, task: str, day: datetime.date) -> str:
    return f"{kind}_{engagement_id or 0}_{task}_{day:%Y%m%d}"


def cells_from_post(data) -> list[Cell]:
    """The cells of a POST (hours, and notes where the form had them); unknown fields are ignored."""
    found: dict[tuple, dict] = defaultdict(dict)
    for name, value in data.items():
        match = FIELD.match(name)
        if not match or match["task"] not in Task.values:
            continue
        try:
            day = datetime.datetime.strptime(match["day"], "%Y%m%d").date()
        except ValueError:
            continue
        key = (int(match["engagement"]) or None, match["task"], day)
        found[key][match["kind"]] = value
    return [
        Cell(
            engagement,
            task,
            day,
            values.get("h", ""),
            values.get("n"),
            key=field_name("h", engagement, task, day),
        )
        for (engagement, task, day), values in found.items()
    ]


@dataclass
class GridCell:
    day: datetime.date
    name: str
    note_name: str
    entry: object = None
    value: str = ""
    note: str = ""
    editable: bool = False
    errors: list = field(default_factory=list)

    @property
    def status(self) -> str:
        return self.entry.status if self.entry is not None else ""


@dataclass
class GridRow:
    engagement: object
    task: str
    cells: list[GridCell]
    total: Decimal = Decimal(0)

    @property
    def key(self) -> str:
        return f"{self.engagement.pk if self.engagement else 0}_{self.task}"

    @property
    def line(self) -> str:
        return line_key(self.engagement.pk if self.engagement else None)

    @property
    def task_label(self) -> str:
        return Task(self.task).label

    @property
    def chargeable(self) -> bool:
        return is_chargeable(self.task, self.engagement.pk if self.engagement else None)

    @property
    def removable(self) -> bool:
        return all(cell.entry is None or cell.entry.status in EDITABLE for cell in self.cells)


@dataclass
class Grid:
    week: datetime.date
    days: list[datetime.date]
    rows: list[GridRow]
    day_totals: list[Decimal]
    total: Decimal
    editable: bool

    @property
    def chargeable(self) -> Decimal:
        return sum((row.total for row in self.rows if row.chargeable), Decimal(0))

    def day_columns(self):
        return list(zip(self.days, self.day_totals, strict=True))

    def headers(self):
        """(day, kind) with kind "makeup" for a weekend working day (调休), "holiday" for a weekday off."""
        return [(day, day_kind(day)) for day in self.days]


def day_kind(day: datetime.date) -> str:
    import chinese_calendar

    try:
        working = chinese_calendar.is_workday(day)
    except NotImplementedError:
        return ""
    if working and day.weekday() >= 5:
        return "makeup"
    if not working and day.weekday() < 5:
        return "holiday"
    return ""


def build(week, entries, lines=(), *, editable=False, typed=None, errors=None) -> Grid:
    """Lay out `entries` (and the empty `lines`: (engagement, task) pairs) of the week starting `week`."""
    typed, errors = typed or {}, errors or {}
    days = [week + datetime.timedelta(days=n) for n in range(7)]
    rows: dict[tuple, GridRow] = {}

    def row_for(engagement, task) -> GridRow:
        key = (engagement.pk if engagement else None, task)
        if key not in rows:
            cells = [
                GridCell(
                    day,
                    field_name("h", key[0], task, day),
                    field_name("n", key[0], task, day),
                    editable=editable,
                )
                for day in days
            ]
            rows[key] = GridRow(engagement, task, cells)
        return rows[key]

    for engagement, task in lines:
        row_for(engagement, task)
    for entry in entries:
        row = row_for(entry.engagement, entry.task)
        cell = row.cells[(entry.date - week).days]
        cell.entry, cell.value, cell.note = entry, _text(entry.hours), entry.note
        cell.editable = editable and entry.status in EDITABLE
    day_totals = [Decimal(0)] * 7
    for row in rows.values():
        for index, cell in enumerate(row.cells):
            if cell.name in typed:
                cell.value = typed[cell.name]
            if cell.note_name in typed:
                cell.note = typed[cell.note_name]
            cell.errors = errors.get(cell.name, [])
            if cell.entry is not None:
                row.total += cell.entry.hours
                day_totals[index] += cell.entry.hours
    return Grid(week, days, list(rows.values()), day_totals, sum(day_totals, Decimal(0)), editable)


def _text(hours: Decimal) -> str:
    return format(hours.normalize(), "f")
