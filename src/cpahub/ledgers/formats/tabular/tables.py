"""The tables of an input: CSV files, workbook sheets, folders and zip archives of them (zip-bomb guarded)."""

from __future__ import annotations

import contextlib
import datetime
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import polars as pl

from cpahub.core import textio as coretext
from cpahub.ledgers.formats import FormatError, archive_refusal
from cpahub.ledgers.formats.messages import make_issue
from cpahub.ledgers.formats.tabular.profiles import HEADER_SEARCH_ROWS
from cpahub.ledgers.formats.textio import (
    ROW,
    head_rows,
    open_text,
    option_delimiter,
    read_delimited,
    zip_limits,
)

TABLE_SUFFIXES = {".csv", ".txt", ".tsv", ".xlsx", ".xlsm"}
CSV_DELIMITERS = (",", "\t", ";", "|")


# --- tables ---------------------------------------------------------------------------------------


@dataclass
class Table:
    name: str  # for locations: "file.csv" or "book.xlsx[Sheet1]"
    rows: list[list[str]]  # the first rows, for the header search
    load: object  # callable(skip_rows: int, headers: list[str]) -> DataFrame of text columns + ROW
    size: int = 1
    numeric: set = field(default_factory=set)  # columns whose cells are all numbers (a workbook's)
    encoding: str = ""  # a text file's encoding as people call it ("GB18030"); empty for a sheet
    delimiter: str = ""  # a text file's delimiter


def _limits(options: dict) -> tuple[int, int]:
    return zip_limits(options)


def _cell_text(value) -> str | None:
    """An Excel cell as the text a CSV export would hold."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, datetime.datetime):
        return (
            value.strftime("%Y-%m-%d")
            if value.time() == datetime.time()
            else value.strftime("%Y-%m-%d %H:%M:%S")
        )
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, datetime.time):
        return value.strftime("%H:%M:%S")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return format(Decimal(repr(value)), "f")
    result = str(value).strip()
    return result or None


HEAD_ROWS = HEADER_SEARCH_ROWS + 2


@contextlib.contextmanager
def _xlsx_tables(
    path: Path, display: str, options: dict, sink, *, head: int = HEAD_ROWS, max_rows: int | None = None
) -> Iterator[list[Table]]:
    with _workbook(path, display, options) as workbook:
        yield [
            _sheet_table(f"{display}[{name}]", rows, head=head)
            for name, rows in sheet_rows(workbook, display, options, max_rows=max_rows)
        ]


@contextlib.contextmanager
def _workbook(path: Path, display: str, options: dict):
    """The workbook, opened read-only after its zip is inspected (zip-bomb guard)."""
    import openpyxl

    max_total, max_ratio = _limits(options)
    try:
        with coretext.open_zip(path) as archive:
            names = {
                m.filename for m in coretext.inspect_zip(archive, max_total=max_total, max_ratio=max_ratio)
            }
    except coretext.ArchiveRefused as refused:
        raise archive_refusal(refused, display, "workbook") from None
    if "xl/workbook.xml" not in names:
        raise FormatError.of("zip_not_workbook", display)
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for damaged files
        raise FormatError.of("workbook_damaged", display, error=type(error).__name__) from None
    try:
        yield workbook
    finally:
        workbook.close()


def sheet_rows(workbook, display: str, options: dict, *, max_rows: int | None = None):
    """(sheet name, rows of cell values) of each non-empty worksheet (or of the option `sheet`)."""
    wanted = options.get("sheet")
    if wanted and wanted not in workbook.sheetnames:
        raise FormatError.of("no_such_sheet", display, sheet=wanted, sheets=", ".join(workbook.sheetnames))
    for sheet_name in [wanted] if wanted else workbook.sheetnames:
        sheet = workbook[sheet_name]
        if not hasattr(sheet, "iter_rows"):
            continue
        sheet.reset_dimensions()
        try:
            rows = [list(row) for row in sheet.iter_rows(values_only=True, max_row=max_rows)]
        except Exception as error:
            raise FormatError.of(
                "sheet_damaged", f"{display}[{sheet_name}]", error=type(error).__name__
            ) from None
        if any(any(_cell_text(c) is not None for c in row) for row in rows):
            yield sheet_name, rows


def _sheet_table(name: str, rows: list[list], *, head: int = HEAD_ROWS) -> Table:
    """A worksheet's rows (cell values as openpyxl gives them) as a table. Numbers in number cells
    have no thousands separators and a decimal point by construction: their columns are marked
    numeric, so that no decimal-mark guessing is needed for them."""

    def load(skip: int, headers: list[str]) -> pl.DataFrame:
        width = len(headers)
        columns: dict[str, list] = {h: [] for h in headers}
        texts = [True] * width  # no number cell seen yet is False
        numbers = [False] * width
        keep_rows = []
        for offset, row in enumerate(rows[skip:]):
            if not any(c is not None and c != "" for c in row):
                continue
            if len(row) > width and any(c is not None for c in row[width:]):
                raise FormatError.of("row_too_wide", f"{name}:{skip + offset + 1}", width=width)
            keep_rows.append(skip + offset + 1)
            for index, header in enumerate(headers):
                value = row[index] if index < len(row) else None
                if value is not None:
                    if isinstance(value, int | float) and not isinstance(value, bool):
                        numbers[index] = True
                    elif _cell_text(value) is not None:
                        texts[index] = False
                columns[header].append(_cell_text(value))
        table.numeric = {h for h, n, t in zip(headers, numbers, texts, strict=True) if n and t}
        frame = pl.DataFrame(columns, schema=dict.fromkeys(headers, pl.String))
        return frame.with_columns(pl.Series(ROW, keep_rows, dtype=pl.Int64)).select([ROW, *headers])

    first = [[_cell_text(c) or "" for c in row] for row in rows[:head]]
    table = Table(name, first, load, len(rows))
    return table


@contextlib.contextmanager
def _csv_table(path: Path, display: str, options: dict, *, head: int = HEAD_ROWS) -> Iterator[Table]:
    with open_text(path, name=display, encoding=options.get("encoding")) as source:
        delimiter = option_delimiter(options.get("delimiter")) or coretext.sniff_delimiter(
            source.head, CSV_DELIMITERS
        )
        rows = head_rows(source.head, delimiter, limit=head)

        def load(skip: int, headers: list[str]) -> pl.DataFrame:
            return read_delimited(source, delimiter=delimiter, headers=headers, skip_lines=skip)

        yield Table(
            display,
            rows,
            load,
            path.stat().st_size,
            encoding=source.encoding.label,
            delimiter=delimiter,
        )


@contextlib.contextmanager
def _tables(
    path: Path, options: dict, sink, *, head: int = HEAD_ROWS, max_rows: int | None = None
) -> Iterator[list[Table]]:
    """The tables of a CSV file, a workbook, or a folder / zip of them.

    Each table's `rows` are its first `head` rows (for the header search); `max_rows` stops reading
    a sheet there (a sample needs no more)."""
    with contextlib.ExitStack() as stack:
        files: list[tuple[str, Path]] = []
        if path.is_dir():
            files = [
                (str(p.relative_to(path)), p)
                for p in sorted(path.rglob("*"))
                if p.is_file() and p.suffix.lower() in TABLE_SUFFIXES and not p.name.startswith((".", "~$"))
            ]
        elif _is_zip(path) and not _is_workbook(path):
            folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="cpahub-tabular-")))
            files = _unzip(path, folder, options, sink)
        else:
            files = [(path.name, path)]
        tables: list[Table] = []
        for display, file in files:
            if _is_zip(file):
                tables += stack.enter_context(
                    _xlsx_tables(file, display, options, sink, head=head, max_rows=max_rows)
                )
            else:
                tables.append(stack.enter_context(_csv_table(file, display, options, head=head)))
        if not tables:
            raise FormatError.of("no_table", path.name)
        yield tables


def _is_zip(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(4) == b"PK\x03\x04"


def _is_workbook(path: Path) -> bool:
    try:
        with coretext.open_zip(path) as archive:
            return "xl/workbook.xml" in archive.namelist()
    except coretext.ArchiveRefused:
        return path.suffix.lower() in (".xlsx", ".xlsm")


def _unzip(path: Path, folder: Path, options: dict, sink) -> list[tuple[str, Path]]:
    max_total, max_ratio = _limits(options)
    files = []
    try:
        with coretext.open_zip(path) as archive:
            budget = max_total
            for number, member in enumerate(
                coretext.inspect_zip(archive, max_total=max_total, max_ratio=max_ratio)
            ):
                suffix = Path(member.filename).suffix.lower()
                if member.is_dir():
                    continue
                if suffix not in TABLE_SUFFIXES:
                    sink.report(
                        make_issue(
                            "info", "file_ignored", member.filename, variant="table", name=member.filename
                        )
                    )
                    continue
                target = folder / f"{number:05d}{suffix}"  # never a name from the archive
                with target.open("wb") as out:
                    budget -= coretext.copy_member(archive, member, out, limit=budget)
                files.append((member.filename, target))
    except coretext.ArchiveRefused as refused:
        raise archive_refusal(refused, path.name) from None
    return files
