"""Text parsing for ledger formats, vectorised with Polars, on top of `cpahub.core.textio`.

Delimited files are read with every column as text (`read_delimited`); `CellParser` then turns the
text columns into amounts, dates, times, directions and numbers with Polars expressions. Every
convention is decided once per column from all its values, never cell by cell:

- Amounts are exact decimals (never floats): thousands separators `1,234.56`, `1 234,56`,
  `1.234,56`, `1'234.56`; negatives `-12.3`, `(12.3)`, `12.3-`; full-width digits and signs;
  currency signs ignored. Whether `,` or `.` is the decimal mark is decided from the column's values
  (`1,234.56` says "dot", `12,5` says "comma"); a column whose every value fits both readings
  (`1,234` = 1234 or 1.234) takes the reading of the file's other amount columns, and when they say
  nothing either the read stops with a `FormatError` pointing at the first such value — the user
  then names the decimal mark (option `decimal`). More decimals than the column holds are rounded
  half up (四舍五入) and reported.
- Dates: yyyy-mm-dd (also / . 年月日 separators, unpadded, with a time), yyyymmdd, dd.mm.yyyy,
  dd/mm/yyyy and mm/dd/yyyy, Excel day numbers. A column has one of these styles; dd/mm and mm/dd
  are told apart by values above 12 (or by the file's other date columns, or the option
  `date_format`), otherwise the read stops as ambiguous. Placeholder dates (00000000, 1900-01-01,
  9999-12-31 ...) become empty and are reported as warnings.
- Directions: D/C, Dr/Cr, Debit/Credit, SAP's S/H (Soll/Haben), 借/贷 (平 = nil balance).

Problems are reported with their location `file:line` (`ROW` holds each row's line number) — once
per column and kind of problem, with the count and the first rows, so that a million bad cells make
one finding, not a million.
"""

from __future__ import annotations

import contextlib
import csv
import datetime
import io
import json
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import polars as pl

from cpahub.core import textio
from cpahub.ledgers.canonical import conform
from cpahub.ledgers.formats import FormatError
from cpahub.ledgers.formats.messages import listing, make_issue

ROW = "__row"  # the line (or sheet row) number of each record, added by the readers
EXAMPLES = 10  # rows listed in a finding

HALF_WIDTH_FROM = list(textio.HALF_WIDTH)
HALF_WIDTH_TO = list(textio.HALF_WIDTH.values())


# --- files ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TextFile:
    """A delimited text file ready for Polars: `path` is UTF-8 (a transcoded copy when needed)."""

    name: str  # shown in locations
    path: Path
    encoding: textio.Encoding
    head: str  # the first lines, decoded


@contextlib.contextmanager
def open_text(path: Path, *, name: str | None = None, encoding: str | None = None) -> Iterator[TextFile]:
    """Detect (or check) the encoding of `path` and yield it as UTF-8 text; FormatError if undecodable."""
    name = name or path.name
    hint = None if encoding in (None, "", "auto") else encoding
    try:
        found = textio.detect_file_encoding(path, hint=hint)
    except textio.TextDecodeError as error:
        line = textio.line_of_offset(path, error.offset or 0) if error.code != "binary" else None
        raise decode_error(error, name if line is None else f"{name}:{line}") from None
    except ValueError as error:  # an unknown encoding named by the option
        raise FormatError.of("unknown_encoding_option", name, encoding=hint, error=str(error)) from None
    head = textio.read_head(path, found)
    if found.is_utf8:
        yield TextFile(name, path, found, head)
        return
    with tempfile.TemporaryDirectory(prefix="cpahub-text-") as folder:
        target = Path(folder) / "utf8.txt"
        textio.transcode_to_utf8(path, target, found)
        yield TextFile(name, target, found, head)


def decode_error(error: textio.TextDecodeError, location: str) -> FormatError:
    """Bytes that are not text in any accepted encoding, as a coded FormatError."""
    if error.code == "binary":
        return FormatError.of("not_text", location)
    return FormatError.of(
        "undecodable_text",
        location,
        encoding=error.tried,
        byte=f"0x{error.byte:02X}" if error.byte is not None else "?",
        offset=error.offset,
    )


def head_rows(head: str, delimiter: str, limit: int = 30) -> list[list[str]]:
    """The first records of the decoded head (the last, possibly cut, line left out)."""
    lines = head.splitlines()
    if len(lines) > 1 and not head.endswith(("\n", "\r")):
        lines = lines[:-1]
    reader = csv.reader(io.StringIO("\n".join(lines[:limit])), delimiter=delimiter)
    try:
        return [[cell.strip() for cell in row] for row in reader]
    except csv.Error:
        return [line.split(delimiter) for line in lines[:limit]]


def unique_names(headers: Iterable[str]) -> list[str]:
    """Header names made unique and non-empty (Polars needs both)."""
    names: list[str] = []
    seen: dict[str, int] = {}
    for index, header in enumerate(headers):
        text = " ".join(str(header or "").split()) or f"column_{index + 1}"
        seen[text] = seen.get(text, 0) + 1
        names.append(text if seen[text] == 1 else f"{text} ({seen[text]})")
    return names


def read_delimited(
    text: TextFile,
    *,
    delimiter: str,
    headers: list[str],
    skip_lines: int,
    quote: str | None = '"',
) -> pl.DataFrame:
    """Read the records after `skip_lines` physical lines as text columns named `headers`, plus `ROW`.

    `ROW` is the physical line number (exact unless a quoted value spans lines). A record with more
    fields than headers, a broken quote or a last line cut short raise FormatError.
    """
    names = unique_names(headers)
    schema = dict.fromkeys(names, pl.String)
    try:
        frame = pl.read_csv(
            text.path,
            has_header=False,
            separator=delimiter,
            quote_char=quote,
            skip_lines=skip_lines,
            schema=schema,
            infer_schema=False,
            row_index_name=ROW,
            row_index_offset=skip_lines + 1,
            raise_if_empty=False,
        )
    except (pl.exceptions.ComputeError, pl.exceptions.NoDataError, pl.exceptions.ShapeError) as error:
        raise _csv_error(text, delimiter, len(names), skip_lines, quote, error) from None
    frame = frame.with_columns(pl.col(ROW).cast(pl.Int64))
    _check_last_line(text, delimiter, len(names), quote)
    # Rows that are empty or only delimiters carry nothing.
    values = [pl.col(n) for n in names]
    return frame.filter(pl.any_horizontal([v.is_not_null() & (v.str.strip_chars() != "") for v in values]))


def _check_last_line(text: TextFile, delimiter: str, width: int, quote: str | None) -> None:
    """A file cut short ends in the middle of a record: no line break and too few fields."""
    with text.path.open("rb") as handle:
        handle.seek(0, 2)
        size = handle.tell()
        handle.seek(max(0, size - 64 * 1024))
        tail = handle.read()
    if not tail or tail.endswith(b"\n") or tail.endswith(b"\r"):
        return
    last = tail.rsplit(b"\n", 1)[-1].decode("utf-8", "replace")
    try:
        fields = next(csv.reader([last], delimiter=delimiter, quotechar=quote or '"'), [])
    except csv.Error:
        fields = last.split(delimiter)
    if 0 < len(fields) < width:
        line = textio.line_of_offset(text.path, size)
        raise FormatError.of("truncated_record", f"{text.name}:{line}", fields=len(fields), width=width)


def _csv_error(text: TextFile, delimiter: str, width: int, skip: int, quote, error) -> FormatError:
    """Find the record Polars could not read (slow path, only on errors) and say what is wrong."""
    with text.path.open(encoding="utf-8", newline="") as handle:
        for _ in range(skip):
            handle.readline()
        reader = csv.reader(handle, delimiter=delimiter, quotechar=quote or '"', strict=True)
        try:
            for record in reader:
                if len(record) > width:
                    return FormatError.of(
                        "too_many_fields",
                        f"{text.name}:{skip + reader.line_num}",
                        fields=len(record),
                        width=width,
                    )
        except csv.Error as problem:
            return FormatError.of("bad_record", f"{text.name}:{skip + reader.line_num}", error=str(problem))
    return FormatError.of("not_delimited", text.name, error=str(error).splitlines()[0])


# --- options -------------------------------------------------------------------------------------

DELIMITER_WORDS = {"tab": "\t", "\\t": "\t", "pipe": "|", "comma": ",", "semicolon": ";"}


def option_flag(value, default: bool) -> bool:
    """A yes/no option given as a bool or as text (`--option skip_totals=false`)."""
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word in ("1", "true", "yes", "y", "on"):
        return True
    if word in ("0", "false", "no", "n", "off"):
        return False
    raise FormatError.of("option_flag", value=str(value))


def option_delimiter(value) -> str | None:
    """The delimiter option: None for "auto"; words (tab, pipe, comma, semicolon) and \\t accepted."""
    if value in (None, "", "auto"):
        return None
    value = DELIMITER_WORDS.get(str(value).lower(), value)
    if len(value) != 1:
        raise FormatError.of("option_delimiter", value=str(value))
    return value


def option_mapping(value) -> dict:
    """An option holding a mapping, given as a dict or as JSON text."""
    if value in (None, ""):
        return {}
    if isinstance(value, dict):
        return value
    try:
        parsed = json.loads(value)
    except (TypeError, ValueError):
        raise FormatError.of("option_mapping", value=str(value)) from None
    if not isinstance(parsed, dict):
        raise FormatError.of("option_mapping", value=str(value))
    return parsed


# --- values ----------------------------------------------------------------------------------------


def folded(column: str | pl.Expr) -> pl.Expr:
    """Text with full-width digits and signs made half-width, edges trimmed, empty as null."""
    expr = pl.col(column) if isinstance(column, str) else column
    expr = expr.str.replace_many(HALF_WIDTH_FROM, HALF_WIDTH_TO).str.strip_chars()
    result = pl.when(expr == "").then(None).otherwise(expr)
    return result.alias(column) if isinstance(column, str) else result


def text(column: str) -> pl.Expr:
    """A text field: trimmed (ideographic spaces too), empty as null; nothing else changed."""
    expr = pl.col(column).str.strip_chars(" \t\r\n\u3000\xa0\ufeff")
    return pl.when(expr == "").then(None).otherwise(expr).alias(column)


# Number bodies (signs, spaces and currency signs already removed).
_AMBIGUOUS_DOT = r"^[1-9]\d{0,2}\.\d{3}$"
_AMBIGUOUS_COMMA = r"^[1-9]\d{0,2},\d{3}$"
_SAYS_DOT = r"^\d+\.\d+$|^\d{1,3}(,\d{3})+\.\d*$|^\d{1,3}(,\d{3}){2,}$|^\.\d+$"
_SAYS_COMMA = r"^\d+,\d+$|^\d{1,3}(\.\d{3})+,\d*$|^\d{1,3}(\.\d{3}){2,}$|^,\d+$"
_VALID = {
    ".": r"^(\d+|\d{1,3}(,\d{3})+)(\.\d*)?$|^\.\d+$",
    ",": r"^(\d+|\d{1,3}(\.\d{3})+)(,\d*)?$|^,\d+$",
}
DECIMAL_MARKS = {".": "dot", ",": "comma"}
INTEGER = r"^[+-]?(\d+)(?:\.0+)?$"
TIME_COLON = r"(?:^|[ T])(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?\s*(AM|PM)?$"
TIME_COMPACT = r"^(\d{2})(\d{2})(\d{2})$"


def _number_parts(column: str) -> tuple[pl.Expr, pl.Expr]:
    """(negative?, body) of a number cell: signs, brackets, spaces and currency signs taken off."""
    cell = folded(column).str.replace_all(r"[\s'’¥￥$€£]|元$|^(?:RMB|CNY)", "")
    negative = (
        cell.str.contains(r"^\(.*\)$").cast(pl.Int8)
        + cell.str.extract(r"^[+\-]*", 0).str.count_matches("-").cast(pl.Int8)
        + (cell.str.ends_with("-") & (cell.str.len_chars() > 1)).cast(pl.Int8)
    )
    body = cell.str.replace_all(r"^[(+\-]+|[)\-]+$", "")
    body = pl.when(body == "").then(None).otherwise(body)
    return negative, body


@dataclass
class Finding:
    count: int
    rows: list[int]
    examples: list[str]


class CellParser:
    """Parses the text columns of one table (a file, or a sheet) and reports with locations.

    Work is done once per distinct value of a column (a year of dates has 366 of them, however many
    lines there are) and mapped back onto the rows with a join; amounts that are plain machine
    numbers (`-1234.50`) are cast directly, the general parser only runs for the others.
    """

    def __init__(self, frame: pl.DataFrame, name: str, *, sink=None, options: dict | None = None):
        self.frame = frame
        self.name = name
        self.sink = sink
        self.options = options or {}
        self.decimal_marks: dict[str, str] = {}  # column -> "." or ","
        self.date_styles: dict[str, str | None] = {}  # column -> style
        self._distinct: dict[str, pl.DataFrame] = {}
        self._numbers: dict[str, pl.DataFrame] = {}

    # -- distinct values --

    def distinct(self, column: str) -> pl.DataFrame:
        """The column's distinct values, in a column named "raw" (null included)."""
        if column not in self._distinct:
            self._distinct[column] = self.frame.select(pl.col(column).unique().alias("raw"))
        return self._distinct[column]

    def first_row(self, column: str, values: pl.Series) -> int | None:
        """The line of the first row whose `column` holds one of `values`."""
        rows = self.frame.filter(pl.col(column).is_in(values.implode(), nulls_equal=True))[ROW]
        return rows[0] if rows.len() else None

    def back(self, column: str, table: pl.DataFrame, value: str = "value") -> pl.Series:
        """A per-distinct-value result mapped back onto the rows, in row order."""
        mapped = self.frame.select(pl.col(column).alias("raw")).join(
            table.select("raw", value), on="raw", how="left", nulls_equal=True, maintain_order="left"
        )
        return mapped[value].alias(column)

    def per_value(self, column: str, expr: pl.Expr) -> pl.Series:
        """`expr` (written on the column "raw") evaluated once per distinct value, mapped to the rows."""
        return self.back(column, self.distinct(column).with_columns(value=expr))

    # -- reporting --

    def location(self, row: int | None) -> str:
        return f"{self.name}:{row}" if row is not None else self.name

    def _find(self, frame: pl.DataFrame, mask: pl.Expr, column: str) -> Finding:
        hits = frame.filter(mask.fill_null(False))
        if not hits.height:
            return Finding(0, [], [])
        rows = hits[ROW].head(EXAMPLES).to_list()
        examples = self.frame.filter(pl.col(ROW).is_in(rows[:3]))[column].to_list()
        return Finding(hits.height, rows, examples)

    def _find_values(self, column: str, table: pl.DataFrame, mask: pl.Expr) -> Finding:
        bad = table.filter(mask.fill_null(False))
        if not bad.height:
            return Finding(0, [], [])
        hits = self.frame.filter(pl.col(column).is_in(bad["raw"].implode(), nulls_equal=True))
        rows = hits[ROW].head(EXAMPLES).to_list()
        examples = hits[column].unique(maintain_order=True).head(3).to_list()
        return Finding(hits.height, rows, examples)

    @staticmethod
    def _lines(found: Finding) -> str:
        return listing(found.rows) + (", …" if found.count > len(found.rows) else "")

    def _fail(self, found: Finding, problem: str, column: str, **data) -> None:
        """Refuse the file for the values found: a "bad_values" FormatError of variant `problem`."""
        if found.count:
            raise FormatError.of(
                "bad_values",
                self.location(found.rows[0]),
                variant=problem,
                column=column,
                count=found.count,
                rows=found.rows,
                lines=self._lines(found),
                examples=", ".join(repr(v) for v in found.examples),
                **data,
            )

    def _warn(self, found: Finding, severity: str, code: str, column: str, **data) -> int:
        if found.count:
            self.report(
                severity,
                code,
                self.location(found.rows[0]),
                column=column,
                count=found.count,
                rows=found.rows,
                lines=self._lines(found),
                **data,
            )
        return found.count

    def fail_where(
        self, mask: pl.Expr, problem: str, column: str, *, frame: pl.DataFrame | None = None, **data
    ) -> None:
        """Raise FormatError when `mask` holds on any row, naming the count and the first rows;
        `problem` is the variant of the "bad_values" message (formats.messages)."""
        self._fail(self._find(self.frame if frame is None else frame, mask, column), problem, column, **data)

    def report_where(
        self,
        mask: pl.Expr,
        severity: str,
        code: str,
        column: str,
        *,
        frame: pl.DataFrame | None = None,
        **data,
    ) -> int:
        """Report one finding for all rows where `mask` holds; returns their number. The finding's
        data: `column`, `count`, `rows`, `lines` (the first rows as text) and `data`."""
        found = self._find(self.frame if frame is None else frame, mask, column)
        return self._warn(found, severity, code, column, **data)

    def fail_values(self, column: str, table: pl.DataFrame, mask: pl.Expr, problem: str, **data) -> None:
        """Like fail_where, for a mask over the distinct-value table of `column`."""
        self._fail(self._find_values(column, table, mask), problem, column, **data)

    def report_values(
        self, column: str, table: pl.DataFrame, mask: pl.Expr, severity: str, code: str, **data
    ) -> int:
        return self._warn(self._find_values(column, table, mask), severity, code, column, **data)

    def report(self, severity: str, code: str, location: str = "", /, **data) -> None:
        """A finding of this table (its message is the code's template filled with `data`)."""
        if self.sink is not None:
            self.sink.report(make_issue(severity, code, location or self.name, **data))

    # -- numbers --

    def _number_table(self, column: str) -> pl.DataFrame:
        """Distinct values with neg (count of minus signs/brackets) and body (digits, separators)."""
        if column not in self._numbers:
            negative, body = _number_parts("raw")
            table = self.distinct(column).with_columns(neg=negative, body=body)
            self._numbers[column] = table.with_columns(
                says_dot=pl.col("body").str.contains(_SAYS_DOT)
                & ~pl.col("body").str.contains(_AMBIGUOUS_DOT),
                says_comma=pl.col("body").str.contains(_SAYS_COMMA)
                & ~pl.col("body").str.contains(_AMBIGUOUS_COMMA),
                ambiguous=pl.col("body").str.contains(_AMBIGUOUS_DOT)
                | pl.col("body").str.contains(_AMBIGUOUS_COMMA),
            )
        return self._numbers[column]

    def decide_decimal_marks(self, columns: list[str]) -> dict[str, str]:
        """The decimal mark of each column ("." or ","); FormatError when mixed or undecidable."""
        columns = [c for c in columns if c in self.frame.columns and c not in self.decimal_marks]
        if not columns:
            return self.decimal_marks
        option = self._decimal_option()
        if option != "auto":
            self.decimal_marks.update(dict.fromkeys(columns, option))
            return self.decimal_marks
        summary = {}
        for column in columns:
            table = self._number_table(column)
            summary[column] = table.select(
                dot=pl.col("says_dot").sum(),
                comma=pl.col("says_comma").sum(),
                ambiguous=pl.col("ambiguous").sum(),
            ).row(0, named=True)
        undecided = []
        for column in columns:
            found = summary[column]
            if found["dot"] and found["comma"]:
                found["dot_row"] = self._evidence_row(column, "says_dot")
                found["comma_row"] = self._evidence_row(column, "says_comma")
                raise FormatError.of(
                    "decimal_marks_mixed",
                    self.location(min(found["dot_row"], found["comma_row"])),
                    column=column,
                    dot_line=found["dot_row"],
                    comma_line=found["comma_row"],
                )
            if found["dot"] or found["comma"]:
                self.decimal_marks[column] = "." if found["dot"] else ","
            else:
                undecided.append(column)
        consensus = set(self.decimal_marks.values())
        for column in undecided:
            found = summary[column]
            if len(consensus) == 1:
                self.decimal_marks[column] = next(iter(consensus))
            elif not found["ambiguous"]:
                self.decimal_marks[column] = "."  # whole numbers only: the mark does not matter
            else:
                row = self._evidence_row(column, "ambiguous")
                example = self.frame.filter(pl.col(ROW) == row)[column].item()
                raise FormatError.of(
                    "decimal_mark_ambiguous", self.location(row), column=column, example=example
                )
        return self.decimal_marks

    def _evidence_row(self, column: str, flag: str) -> int | None:
        table = self._number_table(column)
        return self.first_row(column, table.filter(pl.col(flag))["raw"])

    def _decimal_option(self) -> str:
        option = self.options.get("decimal") or "auto"
        if option not in ("auto", ".", ","):
            raise FormatError.of("option_decimal", self.name, value=option)
        return option

    def _plain(self, column: str, scale: int, precision: int) -> pl.Series | None:
        """The column cast directly when every value is a plain machine number (-1234.5), else None."""
        if self._decimal_option() == ",":
            return None
        raw = pl.col(column).str.strip_chars()
        plain = raw.str.contains(rf"^-?\d{{1,{precision - scale}}}(?:\.\d{{1,{scale}}})?$")
        ambiguous = raw.str.contains(r"^-?[1-9]\d{0,2}\.\d{3}$")
        others, dots = self.frame.select(
            (raw.is_not_null() & (raw != "") & ~(plain & ~ambiguous).fill_null(False)).sum().alias("others"),
            raw.str.contains(".", literal=True).sum().alias("dots"),
        ).row(0)
        if others:
            return None
        if dots:
            self.decimal_marks.setdefault(column, ".")
        value = pl.when(raw == "").then(None).otherwise(raw).cast(pl.Decimal(precision, scale))
        return self.frame.select(value.alias(column))[column]

    def decimals(
        self,
        columns: list[str],
        *,
        scale: int = 2,
        precision: int = 20,
        what: str = "amount",
    ) -> dict[str, pl.Series]:
        """Exact Decimal(precision, scale) series for text columns; empty cells stay null."""
        columns = [c for c in columns if c in self.frame.columns]
        results: dict[str, pl.Series] = {}
        for column in columns:
            plain = self._plain(column, scale, precision)
            if plain is not None:
                results[column] = plain
        marks = self.decide_decimal_marks([c for c in columns if c not in results])
        unit = Decimal(1).scaleb(-scale)
        dtype = pl.Decimal(precision, scale)
        for column in columns:
            if column in results:
                continue
            mark = marks[column]
            numbers = self._number_table(column)
            body = pl.col("body")
            self.fail_values(
                column,
                numbers,
                body.is_not_null() & (~body.str.contains(_VALID[mark]) | (pl.col("neg") > 1)),
                f"not_number_{DECIMAL_MARKS[mark]}",
            )
            if mark == ".":
                clean = body.str.replace_all(",", "", literal=True)
            else:
                clean = body.str.replace_all(".", "", literal=True).str.replace(",", ".", literal=True)
            parts = numbers.with_columns(
                whole=clean.str.extract(r"^(\d*)", 1).str.strip_chars_start("0"),
                fraction=clean.str.extract(r"\.(\d*)$", 1).fill_null(""),
            )
            self.fail_values(
                column,
                parts,
                body.is_not_null() & (pl.col("whole").str.len_chars() > precision - scale),
                f"too_large_{what}",
                digits=precision - scale,
            )
            self.report_values(
                column,
                parts,
                body.is_not_null() & pl.col("fraction").str.slice(scale).str.contains("[1-9]"),
                "warning",
                f"{what}_rounded",
                scale=scale,
            )
            whole = pl.when(pl.col("whole") == "").then(pl.lit("0")).otherwise(pl.col("whole"))
            base = (whole + "." + pl.col("fraction").str.slice(0, scale).str.pad_end(scale, "0")).cast(dtype)
            round_up = pl.col("fraction").str.slice(scale, 1).str.contains("^[5-9]$").fill_null(False)
            value = pl.when(round_up).then(base + pl.lit(unit, dtype=dtype)).otherwise(base).cast(dtype)
            value = pl.when(pl.col("neg") > 0).then(-value).otherwise(value)
            table = parts.with_columns(value=pl.when(body.is_null()).then(None).otherwise(value).cast(dtype))
            results[column] = self.back(column, table)
        return results

    def amounts(self, columns: list[str]) -> dict[str, pl.Series]:
        return self.decimals(columns, scale=2, precision=20, what="amount")

    # -- integers and flags --

    def integers(self, column: str, *, pattern: str = INTEGER, what: str = "integer") -> pl.Series:
        """Whole numbers (the first group of `pattern`); FormatError for values that do not match.
        `what` names the "bad_values" variant not_`what`: integer, year, period, line_number ..."""
        cell = folded("raw")
        table = self.distinct(column).with_columns(
            value=cell.str.extract(pattern, 1).cast(pl.Int64, strict=False)
        )
        self.fail_values(column, table, cell.is_not_null() & pl.col("value").is_null(), f"not_{what}")
        return self.back(column, table)

    def booleans(self, column: str, *, true_words: Iterable[str], false_words: Iterable[str]) -> pl.Series:
        cell = folded("raw").str.to_lowercase()
        mapping = {w.lower(): True for w in true_words} | {w.lower(): False for w in false_words}
        table = self.distinct(column).with_columns(
            value=cell.replace_strict(mapping, default=None, return_dtype=pl.Boolean)
        )
        self.fail_values(column, table, cell.is_not_null() & pl.col("value").is_null(), "not_yes_no")
        return self.back(column, table)

    def directions(self, column: str) -> pl.Series:
        """+1 debit, -1 credit, 0 nil (平); FormatError for anything else."""
        cell = folded("raw").str.to_uppercase()
        table = self.distinct(column).with_columns(
            value=cell.replace_strict(DIRECTIONS, default=None, return_dtype=pl.Int8)
        )
        self.fail_values(
            column,
            table,
            cell.is_not_null() & pl.col("value").is_null(),
            "not_indicator",
        )
        return self.back(column, table)

    # -- dates --

    def _date_table(self, column: str) -> pl.DataFrame:
        cell = folded("raw")
        return self.distinct(column).with_columns(
            cell=cell, placeholder=cell.str.contains(PLACEHOLDER_TEXT).fill_null(False)
        )

    def decide_date_style(self, column: str) -> str | None:
        if column in self.date_styles:
            return self.date_styles[column]
        option = self.options.get("date_format") or "auto"
        if option != "auto":
            if option not in DATE_STYLES:
                raise FormatError.of(
                    "option_date_format", self.name, styles=", ".join(DATE_STYLES), value=option
                )
            self.date_styles[column] = option
            return option
        cell = pl.col("cell")
        considered = cell.is_not_null() & ~pl.col("placeholder")
        slash = DATE_STYLES["dmy"]
        exprs = [considered.sum().alias("n")]
        exprs += [(considered & cell.str.contains(p)).sum().alias(style) for style, p in DATE_STYLES.items()]
        exprs += [
            (cell.str.extract(slash, 1).cast(pl.Int32, strict=False) > 12).any().alias("first_over_12"),
            (cell.str.extract(slash, 2).cast(pl.Int32, strict=False) > 12).any().alias("second_over_12"),
            (considered & cell.str.contains(slash) & ~cell.str.contains(r"^\d{1,2}\."))
            .sum()
            .alias("not_dotted"),
        ]
        counts = self._date_table(column).select(exprs).row(0, named=True)
        n = counts["n"]
        if n == 0:
            self.date_styles[column] = None
            return None
        fitting = [style for style in DATE_STYLES if counts[style] == n]
        if "dmy" in fitting:  # "mdy" fits the same values
            if counts["first_over_12"] and not counts["second_over_12"]:
                fitting.remove("mdy")
            elif counts["second_over_12"] and not counts["first_over_12"]:
                fitting.remove("dmy")
            elif not counts["not_dotted"]:  # dd.mm.yyyy is never month first
                fitting.remove("mdy")
            else:
                others = {s for c, s in self.date_styles.items() if c != column and s in ("dmy", "mdy")}
                if len(others) == 1:
                    fitting = [next(iter(others))]
        if len(fitting) > 1:
            raise FormatError.of("date_style_ambiguous", self.name, column=column)
        if fitting:
            style = fitting[0]
        else:  # the most common style; the values that do not fit it are reported by dates()
            style = (
                max(DATE_STYLES, key=lambda s: counts[s]) if any(counts[s] for s in DATE_STYLES) else "ymd"
            )
        self.date_styles[column] = style
        return style

    def dates(self, column: str, *, strict: bool = True) -> pl.Series:
        """Dates in the column's one style; placeholders become null (warning); unreadable values
        raise FormatError (or, when not `strict`, become null with a warning)."""
        style = self.decide_date_style(column)
        cell = pl.col("cell")
        value = pl.lit(None, dtype=pl.Date) if style is None else _date_expr(cell, style)
        table = self._date_table(column).with_columns(value=value)
        unreadable = cell.is_not_null() & ~pl.col("placeholder") & pl.col("value").is_null()
        label = DATE_LABELS.get(style, style)
        if strict:
            self.fail_values(column, table, unreadable, "not_date", style=label)
        else:
            self.report_values(column, table, unreadable, "warning", "date_unreadable", style=label)
        placeholder = pl.col("placeholder") | pl.col("value").is_in(list(PLACEHOLDER_DATES)).fill_null(False)
        self.report_values(
            column,
            table,
            placeholder,
            "warning",
            "placeholder_date",
        )
        table = table.with_columns(value=pl.when(placeholder).then(None).otherwise(pl.col("value")))
        return self.back(column, table)

    def times(self, column: str) -> pl.Series:
        """Times of day as durations (HH:MM[:SS] with AM/PM, HHMMSS, or the time of a date-time);
        unreadable values become null with a warning."""
        cell = folded("raw").str.to_uppercase()
        hours = pl.coalesce(cell.str.extract(TIME_COLON, 1), cell.str.extract(TIME_COMPACT, 1)).cast(pl.Int64)
        minutes = pl.coalesce(cell.str.extract(TIME_COLON, 2), cell.str.extract(TIME_COMPACT, 2)).cast(
            pl.Int64
        )
        seconds = pl.coalesce(cell.str.extract(TIME_COLON, 3), cell.str.extract(TIME_COMPACT, 3)).cast(
            pl.Int64
        )
        ampm = cell.str.extract(TIME_COLON, 4)
        hours = (
            pl.when(ampm == "PM")
            .then(pl.when(hours < 12).then(hours + 12).otherwise(hours))
            .when(ampm == "AM")
            .then(pl.when(hours == 12).then(0).otherwise(hours))
            .otherwise(hours)
        )
        seconds = seconds.fill_null(0)
        ok = hours.is_between(0, 23) & minutes.is_between(0, 59) & seconds.is_between(0, 59)
        table = self.distinct(column).with_columns(
            cell=cell, value=pl.when(ok).then(pl.duration(hours=hours, minutes=minutes, seconds=seconds))
        )
        self.report_values(
            column,
            table,
            pl.col("cell").is_not_null() & pl.col("value").is_null(),
            "warning",
            "time_unreadable",
        )
        return self.back(column, table)


DIRECTIONS = {
    "D": 1,
    "DR": 1,
    "DEBIT": 1,
    "S": 1,  # SAP Soll
    "SOLL": 1,
    "借": 1,
    "借方": 1,
    "C": -1,
    "CR": -1,
    "CREDIT": -1,
    "H": -1,  # SAP Haben
    "HABEN": -1,
    "贷": -1,
    "贷方": -1,
    "平": 0,
}

_TIME_SUFFIX = r"(?:[ T]+\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:\s*[AaPp][Mm])?)?"
DATE_STYLES = {
    "ymd": r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?" + _TIME_SUFFIX + "$",
    "ymd_compact": r"^(\d{4})(\d{2})(\d{2})(?:\d{6})?$",
    "dmy": r"^(\d{1,2})[./-](\d{1,2})[./-](\d{4})" + _TIME_SUFFIX + "$",
    "mdy": r"^(\d{1,2})[./-](\d{1,2})[./-](\d{4})" + _TIME_SUFFIX + "$",
    "excel": r"^(\d{5})(?:\.\d+)?$",
}
DATE_LABELS = {
    "ymd": "yyyy-mm-dd",
    "ymd_compact": "yyyymmdd",
    "dmy": "dd.mm.yyyy",
    "mdy": "mm/dd/yyyy",
    "excel": "Excel day number",
}
# (year, month, day) group numbers of each style
_DATE_GROUPS = {"ymd": (1, 2, 3), "ymd_compact": (1, 2, 3), "dmy": (3, 2, 1), "mdy": (3, 1, 2)}
PLACEHOLDER_TEXT = r"^0+$|^0{4}\D?0{1,2}\D?0{1,2}(\D|$)|^0{1,2}\D0{1,2}\D0{4}(\D|$)"
PLACEHOLDER_DATES = (
    datetime.date(1, 1, 1),
    datetime.date(1753, 1, 1),
    datetime.date(1899, 12, 30),
    datetime.date(1899, 12, 31),
    datetime.date(1900, 1, 1),
    datetime.date(9999, 12, 31),
)


def _date_expr(cell: pl.Expr, style: str) -> pl.Expr:
    pattern = DATE_STYLES[style]
    if style == "excel":
        days = cell.str.extract(pattern, 1).cast(pl.Int64, strict=False)
        return (
            pl.when(days.is_not_null())
            .then(pl.lit(textio.EXCEL_EPOCH) + pl.duration(days=days))
            .cast(pl.Date)
        )
    y, m, d = _DATE_GROUPS[style]
    iso = (
        cell.str.extract(pattern, y)
        + "-"
        + cell.str.extract(pattern, m).str.zfill(2)
        + "-"
        + cell.str.extract(pattern, d).str.zfill(2)
    )
    return iso.str.to_date("%Y-%m-%d", strict=False)


def format_amount(value: Decimal | None, *, mark: str = ".", group: str = "", negative: str = "-") -> str:
    """An amount as text in a convention (writers and tests): `group` is the thousands separator,
    `negative` is "-", "()" or "trailing"."""
    if value is None:
        return ""
    sign = value < 0
    whole, _, fraction = f"{abs(value):f}".partition(".")
    if group:
        digits = whole
        parts = []
        while len(digits) > 3:
            parts.insert(0, digits[-3:])
            digits = digits[:-3]
        parts.insert(0, digits)
        whole = group.join(parts)
    body = whole + (mark + fraction if fraction else "")
    if not sign:
        return body
    if negative == "()":
        return f"({body})"
    if negative == "trailing":
        return f"{body}-"
    return f"-{body}"


# --- accounts ------------------------------------------------------------------------------------

CAS_TYPES = {"1": "asset", "2": "liability", "3": "common", "4": "equity", "5": "cost", "6": "profit_loss"}


def cas_type(code: str) -> tuple[str, str | None]:
    """(type, normal balance) of an account code of the Chinese enterprise chart (企业会计准则)."""
    digits = code[:4]
    if len(digits) < 4 or not digits.isdigit() or digits[0] not in CAS_TYPES:
        return "unknown", None
    kind = CAS_TYPES[digits[0]]
    if kind in ("asset", "cost"):
        return kind, "D"
    if kind in ("liability", "equity"):
        return kind, "C"
    if kind == "profit_loss":
        return kind, "C" if int(digits) < 6400 else "D"
    return kind, None


def hierarchy(codes: list[str]) -> tuple[list[str | None], list[int]]:
    """Parent and level of each account code from the code prefixes (1002 → 100201 → 10020101;
    separators such as 1002.01 are allowed). A code whose prefix is not in the list is level 1."""
    known = set(codes)
    parents: list[str | None] = []
    for code in codes:
        parent = None
        for cut in range(len(code) - 1, 0, -1):
            candidate = code[:cut].rstrip(".-_ ")
            if candidate and candidate != code and candidate in known:
                parent = candidate
                break
        parents.append(parent)
    parent_of = dict(zip(codes, parents, strict=True))
    levels = []
    for code in codes:
        level, current, seen = 1, parent_of.get(code), {code}
        while current is not None and current not in seen:
            level += 1
            seen.add(current)
            current = parent_of.get(current)
        levels.append(level)
    return parents, levels


def derive_accounts(
    codes: list[str], names: dict[str, str] | None = None, *, chart: str | None = None
) -> pl.DataFrame:
    """Accounts known only by their codes (and names): hierarchy from the code prefixes; with
    `chart="cas"` the type and normal balance from the first digits of the Chinese enterprise chart
    (1 asset, 2 liability, 3 common, 4 equity, 5 cost, 6 profit and loss — 6001-6399 income on the
    credit side, 6400 and above expenses on the debit side), otherwise "unknown"."""
    names = names or {}
    parents, levels = hierarchy(codes)
    leaf = set(codes) - {p for p in parents if p}
    types, normals = [], []
    for code in codes:
        kind, normal = cas_type(code) if chart == "cas" else ("unknown", None)
        types.append(kind)
        normals.append(normal)
    return conform(
        "accounts",
        pl.DataFrame(
            {
                "code": pl.Series(codes, dtype=pl.String),
                "name": pl.Series([names.get(c) for c in codes], dtype=pl.String),
                "level": pl.Series(levels, dtype=pl.Int32),
                "parent_code": pl.Series(parents, dtype=pl.String),
                "type": pl.Series(types, dtype=pl.String),
                "normal_balance": pl.Series(normals, dtype=pl.String),
                "is_leaf": pl.Series([c in leaf for c in codes], dtype=pl.Boolean),
                "dimension_types": pl.Series([[]] * len(codes), dtype=pl.List(pl.String)),
            }
        ),
    )


def zip_limits(options: dict) -> tuple[int, int]:
    """(largest total inflated size, largest compression ratio) for zipped ledgers; options override."""
    from django.conf import settings

    total = options.get("max_uncompressed_bytes") or settings.CPAHUB_LEDGER_MAX_UNCOMPRESSED_BYTES
    ratio = options.get("max_compression_ratio") or settings.CPAHUB_LEDGER_MAX_COMPRESSION_RATIO
    return int(total), int(ratio)
