"""A sample export for making a mapping profile: kept small, read as the importer reads it, previewed.

`trim()` keeps the start of an uploaded sample in its own format — a text file's first lines (cut at
a line break), a workbook's first rows of each sheet rewritten as a small workbook (cell types kept)
— so that re-reading it while the user adjusts the mapping is quick. `sample_tables()` gives each
table's first rows with the encoding and delimiter the reader found; `preview()` reads the first
data rows through a draft profile with the importer's own code (`read_table`), so what the preview
shows is what an import will read.
"""

from __future__ import annotations

import codecs
import datetime
import shutil
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from cpahub.ledgers.canonical import InMemoryLedger, Issue
from cpahub.ledgers.formats import FormatError
from cpahub.ledgers.formats.tabular.profiles import HEADER_SEARCH_ROWS, Profile, best_match
from cpahub.ledgers.formats.tabular.tables import _is_workbook, _is_zip, _tables, _workbook, sheet_rows

SAMPLE_ROWS = 200  # rows of each sheet kept
SAMPLE_TEXT_BYTES = 256 * 1024  # bytes of a text file kept
PREVIEW_ROWS = 20
HEAD = HEADER_SEARCH_ROWS + PREVIEW_ROWS


def trim(source: Path, target: Path) -> Path:
    """Write the start of the sample `source` to `target` (its suffix becomes .csv or .xlsx);
    returns the written path. FormatError for an archive, a damaged workbook or an endless line."""
    source = Path(source)
    if _is_zip(source):
        if not _is_workbook(source):
            raise FormatError.of("sample_is_archive", source.name)
        return _trim_workbook(source, target.with_suffix(".xlsx"))
    with source.open("rb") as handle:
        data = handle.read(SAMPLE_TEXT_BYTES + 1)
    target = target.with_suffix(".csv")
    target.write_bytes(_cut_text(data, source.name) if len(data) > SAMPLE_TEXT_BYTES else data)
    return target


def _cut_text(data: bytes, name: str) -> bytes:
    """The bytes up to the last whole line within SAMPLE_TEXT_BYTES (UTF-16 line breaks aligned)."""
    data = data[:SAMPLE_TEXT_BYTES]
    if data.startswith(codecs.BOM_UTF16_LE):
        newline, offset = b"\n\x00", 0
    elif data.startswith(codecs.BOM_UTF16_BE):
        newline, offset = b"\x00\n", 0
    else:
        newline, offset = b"\n", None
    end = len(data)
    while True:
        cut = data.rfind(newline, 0, end)
        if cut < 0:
            raise FormatError.of("sample_no_line_break", name, kb=SAMPLE_TEXT_BYTES // 1024)
        if offset is None or cut % 2 == offset:
            return data[: cut + len(newline)]
        end = cut + len(newline) - 1


def _trim_workbook(source: Path, target: Path) -> Path:
    import openpyxl

    if source.suffix.lower() not in (".xlsx", ".xlsm"):  # openpyxl goes by the name
        named = target.with_name(f"{target.stem}-source.xlsx")
        shutil.copyfile(source, named)
        source = named
    book = openpyxl.Workbook(write_only=True)
    with _workbook(source, source.name, {}) as workbook:
        for name, rows in sheet_rows(workbook, source.name, {}, max_rows=SAMPLE_ROWS):
            sheet = book.create_sheet(title=name)
            for row in rows:
                sheet.append([_storable(value) for value in row])
    if not book.worksheets:
        raise FormatError.of("workbook_empty", source.name)
    book.save(target)
    return target


def _storable(value):
    """A cell value openpyxl can write (times with a time zone lose it; errors become text)."""
    if isinstance(value, datetime.datetime | datetime.time) and value.tzinfo is not None:
        return value.replace(tzinfo=None)
    if isinstance(value, str | int | float | bool | Decimal | datetime.date | datetime.time) or value is None:
        return value
    return str(value)


@dataclass
class SampleTable:
    name: str
    rows: list[list[str]]  # the first rows, as text
    encoding: str  # "" for a sheet
    delimiter: str

    def column_values(self, header_index: int, header_rows: int) -> dict[int, list[str]]:
        """Column index → the values under the header (for settling doubtful headers)."""
        values: dict[int, list[str]] = {}
        for row in self.rows[header_index + header_rows :]:
            for index, cell in enumerate(row):
                values.setdefault(index, []).append(cell)
        return values


def sample_tables(path: Path, options: dict) -> list[SampleTable]:
    """The tables of a sample (one for a CSV file, one per non-empty sheet) with their first rows.
    Only the reading options (encoding, delimiter, sheet) matter here."""
    reading = {k: v for k, v in options.items() if k in ("encoding", "delimiter", "sheet") and v}
    with _tables(Path(path), reading, InMemoryLedger(), head=HEAD) as tables:
        return [SampleTable(t.name, t.rows, t.encoding, t.delimiter) for t in tables]


@dataclass
class Preview:
    table: str = ""
    header_row: int | None = None  # 1-based
    columns: list[str] = field(default_factory=list)  # canonical columns with a value
    rows: list[list[str]] = field(default_factory=list)  # [source row, values...]
    issues: list[Issue] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # required fields the headers lack
    error: str = ""  # in the active language
    error_location: str = ""

    @property
    def ok(self) -> bool:
        return not (self.error or self.missing)


def preview(path: Path, profile: Profile, *, limit: int = PREVIEW_ROWS) -> Preview:
    """The first `limit` data rows of the sample read through `profile` (of the best-fitting table)."""
    from cpahub.ledgers.formats.tabular import read_table
    from cpahub.ledgers.validation import render_error  # validation reads the formats' templates

    sink = InMemoryLedger()
    result = Preview()
    try:
        with _tables(Path(path), profile.options, sink, head=HEAD) as tables:
            fitting = [(best_match(profile, t.rows, {}), t) for t in tables]
            fitting = [(m, t) for m, t in fitting if m is not None]
            if not fitting:
                result.error = render_error(FormatError.of("sample_no_header_row"))
                return result
            match, table = max(fitting, key=lambda pair: pair[0].rank)
            result.table, result.header_row = table.name, match.header_index + 1
            if match.missing:
                result.missing = match.missing
                return result
            _kind, frame, _dims, _names = read_table(table, match, {}, sink, limit=limit)
    except FormatError as error:
        result.error, result.error_location = render_error(error), getattr(error, "location", "") or ""
        result.issues = sink.issues
        return result
    result.issues = sink.issues
    shown = [c for c in frame.columns if c != "source_location" and frame[c].null_count() < frame.height]
    result.columns = shown
    locations = frame["source_location"].to_list() if "source_location" in frame.columns else []
    for number, row in enumerate(frame.select(shown).iter_rows()):
        where = locations[number].rsplit(":", 1)[-1] if number < len(locations) and locations[number] else ""
        result.rows.append([where, *[_text(v) for v in row]])
    return result


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "✓" if value else "✗"
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)
