"""Result types and the importer base class shared by the firm, CPA and penalty importers."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.utils import timezone
from django.utils.translation import gettext as _

from cpahub.core.permissions import scope_for
from cpahub.registry.importing import normalise
from cpahub.registry.importing.layouts import BOOL, CHOICE, CODE, DATE, IGNORE, INT, Column, Layout
from cpahub.registry.importing.readers import Table

CREATE = "create"
UPDATE = "update"
UNCHANGED = "unchanged"

# Dates that cannot lie in the future.
PAST_DATES = frozenset({"founded", "birth_date", "qualified_on", "decided_on"})


@dataclass
class Issue:
    """An error or a warning about one cell or one row (row None: about the whole file)."""

    row: int | None
    column: str
    value: str
    reason: str

    def as_list(self) -> list:
        return [self.row if self.row is not None else "", self.column, self.value, self.reason]

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "value": self.value, "reason": self.reason}


@dataclass
class Change:
    column: str
    before: str
    after: str


@dataclass
class Outcome:
    row: int
    action: str  # CREATE, UPDATE or UNCHANGED
    key: str
    label: str
    changes: list[Change] = field(default_factory=list)
    moved: bool = False
    status_changed: bool = False

    def as_dict(self) -> dict:
        return {
            "row": self.row,
            "action": self.action,
            "key": self.key,
            "label": self.label,
            "changes": [[c.column, c.before, c.after] for c in self.changes],
        }


@dataclass
class ImportResult:
    kind: str
    rows: int = 0
    dry_run: bool = False
    applied: bool = False
    mapping_problems: list[str] = field(default_factory=list)
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.mapping_problems and not self.errors

    def count(self, action: str) -> int:
        return sum(1 for outcome in self.outcomes if outcome.action == action)

    @property
    def created(self) -> int:
        return self.count(CREATE)

    @property
    def updated(self) -> int:
        return self.count(UPDATE)

    @property
    def unchanged(self) -> int:
        return self.count(UNCHANGED)

    @property
    def moved(self) -> int:
        return sum(1 for outcome in self.outcomes if outcome.moved)

    @property
    def status_changed(self) -> int:
        return sum(1 for outcome in self.outcomes if outcome.status_changed)

    @property
    def error_rows(self) -> int:
        return len({issue.row for issue in self.errors})

    def summary(self) -> dict:
        return {
            "kind": self.kind,
            "rows": self.rows,
            "dry_run": self.dry_run,
            "applied": self.applied,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "moved": self.moved,
            "status_changed": self.status_changed,
            "warnings": len(self.warnings),
            "errors": len(self.errors),
            "error_rows": self.error_rows,
        }

    def as_dict(self, limit: int | None = 500) -> dict:
        """JSON-able, lists cut to `limit` (None: all) for the session and the summary pages."""
        changed = [o for o in self.outcomes if o.action != UNCHANGED]
        return {
            **self.summary(),
            "mapping_problems": list(self.mapping_problems),
            "error_list": [issue.as_dict() for issue in self.errors[:limit]],
            "warning_list": [issue.as_dict() for issue in self.warnings[:limit]],
            "outcome_list": [outcome.as_dict() for outcome in changed[:limit]],
        }


@dataclass
class ParsedRow:
    number: int
    values: dict  # column name → parsed value, for non-empty cells only
    raw: dict  # column name → the cell as written
    outcome: Outcome | None = None
    plan: dict = field(default_factory=dict)
    failed: bool = False


class Importer:
    """Parse, check and apply rows of one kind. Subclasses implement prepare, check and apply."""

    layout: Layout

    def __init__(self, actor, result: ImportResult, note: str = ""):
        self.actor = actor
        self.scope = scope_for(actor) if actor is not None else None
        self.result = result
        self.note = note
        self.headers: dict[str, str] = {}  # column name → the file's header for it
        self.today = timezone.localdate()
        self._seen: dict[tuple[str, str], int] = {}

    # --- reporting --------------------------------------------------------------------------

    def header(self, name: str) -> str:
        if name in self.headers:
            return self.headers[name]
        column = self.layout.by_name.get(name)
        return column.display if column else ""

    def error(self, row: ParsedRow | None, name: str, reason: str, value: str | None = None) -> None:
        if row is not None:
            row.failed = True
            if value is None:
                value = row.raw.get(name, "")
        self.result.errors.append(Issue(row.number if row else None, self.header(name), value or "", reason))

    def warn(self, row: ParsedRow, name: str, reason: str, value: str | None = None) -> None:
        if value is None:
            value = row.raw.get(name, "")
        self.result.warnings.append(Issue(row.number, self.header(name), value or "", reason))

    def validation_error(self, row: ParsedRow, error: ValidationError) -> None:
        if hasattr(error, "error_dict"):
            for name, errors in error.error_dict.items():
                target = name if name in self.headers else ""
                column = self.layout.by_name.get(name)
                for message in ValidationError(errors).messages:
                    if target or name == NON_FIELD_ERRORS:
                        self.error(row, target, message)
                    else:
                        self.error(row, "", f"{column.display if column else name}: {message}")
        else:
            for message in error.messages:
                self.error(row, "", message)

    @property
    def is_system(self) -> bool:
        return self.actor is None

    # --- parsing ----------------------------------------------------------------------------

    def parse(self, table: Table, mapping: list[str], progress=None) -> list[ParsedRow]:
        columns = [(i, self.layout.by_name[name]) for i, name in enumerate(mapping) if name != IGNORE]
        self.headers = {column.name: table.headers[i] for i, column in columns}
        rows = []
        total = len(table.rows)
        for done, source in enumerate(table.rows, start=1):
            row = ParsedRow(source.number, {}, {})
            for index, column in columns:
                cell = source.cells[index]
                text = normalise.as_text(cell)
                row.raw[column.name] = text
                if text == "":
                    continue
                try:
                    row.values[column.name] = self.parse_cell(column, cell)
                except ValueError as error:
                    self.error(row, column.name, str(error), text)
                except ValidationError as error:
                    for message in error.messages:
                        self.error(row, column.name, message, text)
            for column in self.layout.columns:
                if column.required and column.name in self.headers and row.raw.get(column.name, "") == "":
                    self.error(row, column.name, _("A value is required."), "")
            rows.append(row)
            if progress:
                progress("parse", done, total)
        return rows

    def parse_cell(self, column: Column, cell):
        if column.type == DATE:
            value = normalise.parse_date(cell)
            if column.name in PAST_DATES and value > self.today:
                raise ValueError(_("The date %(date)s is in the future.") % {"date": value.isoformat()})
            return value
        if column.type == INT:
            value = normalise.parse_int(cell)
            if value < 0:
                raise ValueError(_("The number cannot be negative."))
            return value
        if column.type == BOOL:
            return normalise.parse_bool(cell)
        if column.type == CHOICE:
            return column.parse_choice(normalise.as_text(cell))
        text = normalise.clean_code(cell) if column.type == CODE else normalise.as_text(cell)
        if column.max_length and len(text) > column.max_length:
            raise ValueError(
                _("%(n)d characters is too long; at most %(max)d.")
                % {"n": len(text), "max": column.max_length}
            )
        return self.clean_value(column, text)

    def clean_value(self, column: Column, text: str):
        """Per-field validation for text and codes; subclasses extend it."""
        if column.name == "email":
            EmailValidator(message=_("Not a valid email address."))(text)
        elif column.name == "website":
            URLValidator(message=_("Not a valid web address (start it with http:// or https://)."))(text)
        return text

    def check_required_for_new(self, row: ParsedRow) -> None:
        """A row that creates a record needs the columns marked `required_new`."""
        for column in self.layout.columns:
            if column.required_new and column.name not in row.values and not row.raw.get(column.name):
                self.error(row, column.name, _("A new record needs a value here."), "")

    def unique_in_file(self, row: ParsedRow, name: str, value) -> bool:
        """False (and an error) when another row of the file has the same value in this column."""
        if value in (None, ""):
            return True
        seen = self._seen.setdefault((name, str(value)), row.number)
        if seen != row.number:
            self.error(row, name, _("The same value is in row %(row)d.") % {"row": seen})
            return False
        return True

    # --- comparing --------------------------------------------------------------------------

    def display(self, name: str, value) -> str:
        column = self.layout.by_name.get(name)
        if value is None or value == "":
            return ""
        if isinstance(value, bool):
            return normalise.format_bool(value)
        if isinstance(value, datetime.date):
            return value.isoformat()
        if column is not None and column.type == CHOICE:
            return column.export_label(value)
        return str(value)

    def diff(self, row: ParsedRow, current: dict) -> dict:
        """The fields of `current` (name → stored value) that the row changes."""
        changes = {}
        for name, stored in current.items():
            if name not in row.values:
                continue  # an empty or unmapped cell leaves the stored value alone
            new = row.values[name]
            if (stored if stored is not None else "") != new:
                changes[name] = new
        return changes

    def describe(self, current: dict, changes: dict) -> list[Change]:
        return [
            Change(
                self.layout.by_name[name].display,
                self.display(name, current.get(name)),
                self.display(name, value),
            )
            for name, value in changes.items()
            if name in self.layout.by_name
        ]

    # --- steps ------------------------------------------------------------------------------

    def prepare(self, rows: list[ParsedRow]) -> None:
        raise NotImplementedError

    def check(self, row: ParsedRow) -> None:
        raise NotImplementedError

    def apply(self, row: ParsedRow) -> None:
        raise NotImplementedError

    def apply_order(self, rows: list[ParsedRow]) -> Iterable[ParsedRow]:
        return rows


def chunked(values: Iterable, size: int = 500) -> Iterator[list]:
    """Split long IN (...) lists: SQLite and PostgreSQL both like them short."""
    batch = []
    for value in values:
        batch.append(value)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
