"""The platform's own exchange format: "cpahub audit data standard" v1 (STD-3).

A package is a folder, or a zip of one, holding one UTF-8 CSV file per canonical table
(`entity.csv`, `periods.csv`, `accounts.csv`, `dimensions.csv`, `balances.csv`, `lines.csv` —
or `lines-0001.csv`, `lines-0002.csv` ... —, `users.csv`, `cash_flow_items.csv`) and a
`manifest.json` with the standard's name and version, the producer, the entity, and for every file
its table, rows, bytes, SHA-256 and SM3 digests, and for voucher lines the control totals (count,
total debit, total credit, vouchers). The specification is `docs/data-standard/spec.md`; the field
rules are data in `cpahub.ledgers.spec`.

- `sniff(head, name)`: a zip whose first member is a manifest, or a manifest.json itself.
- `read(path, sink)`: path is the folder, the zip or the manifest. Streams: each file is first
  scanned line by line (record structure, exact line numbers even with quoted line breaks), then
  parsed with Polars in batches as text and checked column by column with vectorised expressions
  before it is cast to the canonical types. A value that breaks the spec raises `FormatError`
  with `file:line:column`; a required value that is empty, and digests, row counts or control
  totals that differ from the manifest, are reported to the sink as errors.
- `write(source, target)`: a folder, or a zip when `target` ends in `.zip`.
- `validate_package(path)`: everything a third party needs to check an export, without a
  database: the manifest against its JSON Schema, files, headers, every value, keys, references,
  digests and control totals, then the ledger checks of `cpahub.ledgers.validation` (vouchers
  balance, balances roll forward, the trial balance ties to the lines ...). It reports every
  problem it finds (up to a cap per kind) instead of stopping at the first.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import json
import os
import re
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path

import polars as pl
from cryptography.hazmat.primitives import hashes

from cpahub.ledgers import canonical, spec
from cpahub.ledgers.canonical import Issue
from cpahub.ledgers.formats import FormatError

FORMAT = "cpahub"
LABEL = "cpahub audit data standard v1 (CSV files and manifest.json)"

MANIFEST = spec.MANIFEST
BATCH_ROWS = 250_000  # rows per parsed batch
SCAN_LINES = 1_000_000  # physical lines per structure-scan batch
MAX_MANIFEST_BYTES = 16 * 1024 * 1024
MAX_HEADER_BYTES = 1024 * 1024
ZIP_MAX_RATIO = 200  # a member that inflates more than this (and past 10 MB) is refused as a bomb
ZIP_RATIO_FLOOR = 10 * 1024 * 1024
DEFAULT_CAP = 50  # findings kept per kind by validate_package
CHUNK = 1 << 20

ERROR, WARNING, INFO = "error", "warning", "info"
# Codes of problems that mean the package could not be opened at all (the command exits 2).
UNREADABLE = frozenset({"package_unreadable", "manifest_missing", "manifest_unreadable"})

QUOTED = r'"(?:[^"]|"")*"'
RECORD = re.compile(rf'^(?:{QUOTED}|[^",]*)(?:,(?:{QUOTED}|[^",]*))*$')


# --------------------------------------------------------------------------------------------------
# sniffing


def sniff(head: bytes, name: str) -> bool:
    """A zip whose first member is `manifest.json` (as this module writes them), or the manifest."""
    if head[:4] == b"PK\x03\x04" and len(head) >= 30:
        name_length = int.from_bytes(head[26:28], "little")
        first = head[30 : 30 + name_length].decode("utf-8", "replace")
        return first == MANIFEST or first.endswith("/" + MANIFEST)
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    return text.startswith(b"{") and b'"standard"' in text and spec.STANDARD.encode() in text


# --------------------------------------------------------------------------------------------------
# digests


class Digests:
    """SHA-256 and SM3 of a byte stream, and its length."""

    def __init__(self):
        self.sha256 = hashlib.sha256()
        self.sm3 = hashes.Hash(hashes.SM3())
        self.bytes = 0

    def update(self, data: bytes) -> None:
        self.sha256.update(data)
        self.sm3.update(data)
        self.bytes += len(data)

    def result(self) -> dict:
        return {"bytes": self.bytes, "sha256": self.sha256.hexdigest(), "sm3": self.sm3.finalize().hex()}


def file_digests(path: Path) -> dict:
    digests = Digests()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK), b""):
            digests.update(chunk)
    return digests.result()


# --------------------------------------------------------------------------------------------------
# packages: a folder, a zip or a manifest path


class Package:
    """An opened package. Data files are read from the folder, or extracted from the zip (with
    their digests computed on the way) into a private temporary folder."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.folder: Path | None = None
        self.zip: zipfile.ZipFile | None = None
        self.prefix = ""
        self._tmp: tempfile.TemporaryDirectory | None = None
        self.extracted: dict[str, dict] = {}  # name -> digests, for zip members
        if not self.path.exists():
            raise FormatError("no such file or folder", self.path.name)
        if self.path.is_dir():
            self.folder = self.path
        elif self.path.name == MANIFEST:
            self.folder = self.path.parent
        elif zipfile.is_zipfile(self.path):
            try:
                self.zip = zipfile.ZipFile(self.path)
            except (zipfile.BadZipFile, OSError) as error:
                raise FormatError(f"not a readable zip file ({error})", self.path.name) from None
            self.prefix = self._find_prefix()
        else:
            raise FormatError(
                "not a cpahub data package: give its folder, its manifest.json or a zip file", self.path.name
            )
        self.manifest_text = self._read_manifest()

    # -- members
    def _find_prefix(self) -> str:
        manifests = [
            info.filename
            for info in self.zip.infolist()
            if info.filename == MANIFEST
            or (info.filename.count("/") == 1 and info.filename.endswith("/" + MANIFEST))
        ]
        if not manifests:
            raise FormatError(
                "the zip file has no manifest.json (at its root or in one folder)", self.path.name
            )
        if len(manifests) > 1:
            raise FormatError(f"the zip file has {len(manifests)} manifest.json files", self.path.name)
        return manifests[0][: -len(MANIFEST)]

    def _read_manifest(self) -> str:
        if self.zip is not None:
            info = self.zip.getinfo(self.prefix + MANIFEST)
            if info.file_size > MAX_MANIFEST_BYTES:
                raise FormatError("manifest.json is too large", MANIFEST)
            raw = self.zip.read(info)
        else:
            manifest = self.folder / MANIFEST
            if not manifest.is_file():
                raise FormatError("the package has no manifest.json", self.folder.name)
            if manifest.stat().st_size > MAX_MANIFEST_BYTES:
                raise FormatError("manifest.json is too large", MANIFEST)
            raw = manifest.read_bytes()
        try:
            return raw.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise FormatError(f"manifest.json is not UTF-8 ({error.reason})", MANIFEST) from None

    def names(self) -> list[str]:
        """Data-like files present in the package (manifest excluded), by name."""
        if self.zip is not None:
            found = []
            for info in self.zip.infolist():
                if info.is_dir() or not info.filename.startswith(self.prefix):
                    continue
                name = info.filename[len(self.prefix) :]
                if "/" not in name and name != MANIFEST:
                    found.append(name)
            return sorted(found)
        return sorted(p.name for p in self.folder.iterdir() if p.is_file() and p.name != MANIFEST)

    def size(self, name: str) -> int:
        if self.zip is not None:
            return self.zip.getinfo(self.prefix + name).file_size
        return (self.folder / name).stat().st_size

    def total_size(self) -> int:
        return self.path.stat().st_size if self.zip is not None else sum(self.size(n) for n in self.names())

    def local(self, name: str, expected_bytes: int | None = None) -> Path:
        """A local path of the member (zip members are extracted, digests computed on the way)."""
        if self.zip is None:
            return self.folder / name
        if self._tmp is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="cpahub-std-")
        target = Path(self._tmp.name) / name
        info = self.zip.getinfo(self.prefix + name)
        limit = info.file_size
        if (
            info.compress_size
            and info.file_size > ZIP_RATIO_FLOOR
            and info.file_size > ZIP_MAX_RATIO * info.compress_size
        ):
            raise FormatError(
                f"refused: the member inflates {info.file_size // max(info.compress_size, 1)} times (a zip bomb?)",
                name,
            )
        if expected_bytes is not None and info.file_size > expected_bytes:
            limit = expected_bytes  # never inflate past what the manifest announces
        digests = Digests()
        try:
            with self.zip.open(info) as source, target.open("wb") as out:
                while chunk := source.read(CHUNK):
                    digests.update(chunk)
                    if digests.bytes > limit:
                        raise FormatError(f"the member is larger than the {limit:,} bytes announced", name)
                    out.write(chunk)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError) as error:
            raise FormatError(f"the zip member cannot be read ({error})", name) from None
        self.extracted[name] = digests.result()
        return target

    def close(self) -> None:
        if self.zip is not None:
            self.zip.close()
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


# --------------------------------------------------------------------------------------------------
# problems: raised (read) or collected (validate_package)


class Problems:
    """Where the reader's findings go. Strict: a value error raises FormatError at once; otherwise
    every finding is collected, at most `cap` per code (all counted)."""

    def __init__(
        self, *, strict: bool, report: Callable[[Issue], None] | None = None, cap: int = DEFAULT_CAP
    ):
        self.strict = strict
        self.cap = cap
        self._report = report
        self.issues: list[Issue] = []
        self.totals: dict[tuple[str, str], int] = {}

    def add(self, severity: str, code: str, message: str, location: str = "", count: int = 1, **data) -> None:
        issue = Issue(severity=severity, code=code, message=message, location=location, data=data)
        key = (severity, code)
        kept = self.totals.get(key, 0)
        self.totals[key] = kept + count
        if self._report is not None:
            self._report(issue)
        elif kept < self.cap:
            self.issues.append(issue)

    def fatal(self, code: str, message: str, location: str = "", **data) -> None:
        """A problem that makes the file unreadable: raise in strict mode, else collect."""
        if self.strict:
            raise FormatError(message, location)
        self.add(ERROR, code, message, location, **data)

    def count(self, severity: str = ERROR) -> int:
        return sum(n for (sev, _code), n in self.totals.items() if sev == severity)


# --------------------------------------------------------------------------------------------------
# the structure pass: record boundaries, field counts, line numbers


def _tokenize(text: str) -> tuple[int, tuple[int, str] | None]:
    """RFC 4180 split of one record (which may contain line breaks inside quotes): the number of
    fields and the first problem (field number from 1, reason), if any."""
    fields, index, length = 1, 0, len(text)
    at_field_start = True
    while index < length:
        char = text[index]
        if at_field_start and char == '"':
            index += 1
            while True:
                if index >= length:
                    return fields, (fields, "a quoted field is not closed")
                if text[index] == '"':
                    if index + 1 < length and text[index + 1] == '"':
                        index += 2
                        continue
                    index += 1
                    break
                index += 1
            if index < length and text[index] != ",":
                return fields, (fields, "text after the closing quote of a quoted field")
            at_field_start = False
            continue
        if char == ",":
            fields += 1
            at_field_start = True
        elif char == '"':
            return fields, (
                fields,
                "a double quote inside an unquoted field (quote the field and double the quote)",
            )
        else:
            at_field_start = False
        index += 1
    return fields, None


def _bad_utf8(path: Path) -> tuple[int, int, str]:
    """(line, column, reason) of the first bytes that are not UTF-8."""
    line, carry = 1, b""
    with path.open("rb") as handle:
        while True:
            chunk = handle.read(CHUNK)
            data = carry + chunk
            try:
                data.decode("utf-8")
                carry = b""
            except UnicodeDecodeError as error:
                if error.reason == "unexpected end of data" and chunk and error.start >= len(data) - 3:
                    good = data[: error.start]
                    line += good.count(b"\n")
                    carry = data[error.start :]
                    continue
                before = data[: error.start]
                line += before.count(b"\n")
                start = before.rfind(b"\n") + 1
                column = len(before[start:].decode("utf-8", "replace")) + 1
                return line, column, error.reason
            line += data.count(b"\n")
            if not chunk:
                return line, 1, "unexpected end of data"


@dataclass
class _Structure:
    records: int = 0
    starts: pl.Series | None = None  # first physical line of each data record, when not simply i + 2
    ok: bool = True


def _scan_structure(path: Path, name: str, n_fields: int, problems: Problems) -> _Structure:
    """Pass 1 over the physical lines: where each record starts, and that each has `n_fields` fields.

    Vectorised: a line starts inside a quoted field when the number of double quotes before it is
    odd; lines are grouped into records that way, quoted fields are cut out with a regex and the
    commas left are counted. Only bad records are looked at one by one (to say which field)."""
    result = _Structure()
    starts: list[pl.Series] = []
    irregular = False  # a record spans lines: line numbers are not record + 2
    parity = 0
    base = 0
    pending: pl.DataFrame | None = None  # the lines of a record still open at the end of a batch
    errors_before = problems.count()

    def structure_problem(code: str, message: str, location: str) -> None:
        result.ok = False
        problems.fatal(code, message, location)

    def check_record(text: str, line: int) -> None:
        count, problem = _tokenize(text)
        if problem is not None:
            structure_problem("csv_quoting", f"{problem[1]}", f"{name}:{line}:{problem[0]}")
        elif count != n_fields:
            structure_problem(
                "csv_field_count",
                f"expected {n_fields} fields as in the header, found {count}",
                f"{name}:{line}",
            )

    try:
        for batch in pl.scan_lines(path, glob=False).collect_batches(chunk_size=SCAN_LINES):
            text = batch.to_series()
            size = text.len()
            if not size:
                continue
            quotes = text.str.count_matches('"', literal=True).cast(pl.Int64)
            after = quotes.cum_sum() + parity
            frame = pl.DataFrame(
                {
                    "line": pl.int_range(base + 1, base + size + 1, eager=True, dtype=pl.Int64),
                    "text": text,
                    "quotes": quotes,
                    "start_in": (after - quotes) % 2 == 1,
                    "end_in": after % 2 == 1,
                }
            )
            parity = int(after[-1]) % 2
            if base == 0:
                frame = frame.slice(1)  # the header, checked on its own
            base += size
            if pending is not None:
                frame = pl.concat([pending, frame])
                pending = None
            if not frame.height:
                continue
            if frame.select(pl.col("start_in").any() | pl.col("end_in").any()).item():
                # Records over several lines: group the lines of each record, keep an open one.
                irregular = True
                frame = frame.with_columns(record=(~pl.col("start_in")).cum_sum())
                if frame["end_in"][-1]:
                    open_record = frame["record"][-1]
                    pending = frame.filter(pl.col("record") == open_record).drop("record")
                    frame = frame.filter(pl.col("record") != open_record)
                frame = frame.group_by("record", maintain_order=True).agg(
                    pl.col("line").first(), pl.col("text").str.join("\n"), pl.col("quotes").sum()
                )
            counted = frame.select(
                "line",
                "text",
                fields=pl.when(pl.col("quotes") == 0)
                .then(pl.col("text").str.count_matches(",", literal=True) + 1)
                .otherwise(
                    pl.col("text").str.replace_all(QUOTED, "").str.count_matches(",", literal=True) + 1
                ),
                well_formed=(pl.col("quotes") == 0) | pl.col("text").str.contains(RECORD.pattern),
            )
            bad = counted.filter(~pl.col("well_formed") | (pl.col("fields") != n_fields))
            for row in bad.head(problems.cap + 1).iter_rows(named=True):
                check_record(row["text"], row["line"])
            if bad.height > problems.cap + 1:
                result.ok = False
                problems.add(
                    ERROR,
                    "csv_field_count",
                    f"{bad.height - problems.cap - 1} more lines with the wrong number of fields or bad quoting",
                    name,
                    count=bad.height - problems.cap - 1,
                )
            result.records += counted.height
            starts.append(counted["line"])
    except pl.exceptions.ComputeError as error:
        if "utf" not in str(error).lower():
            raise FormatError(
                f"the file cannot be read as CSV ({str(error).splitlines()[0]})", name
            ) from None
        line, column, reason = _bad_utf8(path)
        result.ok = False
        problems.fatal("encoding", f"the file is not UTF-8 ({reason})", f"{name}:{line}:{column}")
        return result
    if pending is not None and pending.height:
        structure_problem(
            "csv_quoting",
            "a quoted field is not closed before the end of the file",
            f"{name}:{pending['line'][0]}",
        )
    if irregular:
        result.starts = pl.concat(starts) if starts else pl.Series(dtype=pl.Int64)
    result.ok = result.ok and problems.count() == errors_before
    return result


def _read_header(path: Path, name: str, problems: Problems) -> list[str] | None:
    with path.open("rb") as handle:
        raw = handle.readline(MAX_HEADER_BYTES)
    if not raw:
        problems.fatal("header", "the file is empty: the first line must be the header", f"{name}:1")
        return None
    if raw.startswith(codecs.BOM_UTF8):
        problems.add(INFO, "bom", "the file starts with a UTF-8 byte order mark (tolerated)", f"{name}:1")
        raw = raw[len(codecs.BOM_UTF8) :]
    try:
        text = raw.decode("utf-8").rstrip("\r\n")
    except UnicodeDecodeError as error:
        problems.fatal("encoding", f"the header is not UTF-8 ({error.reason})", f"{name}:1:{error.start + 1}")
        return None
    return next(csv.reader([text], strict=True), [])


# --------------------------------------------------------------------------------------------------
# value checks and casts, vectorised per batch


@dataclass(frozen=True)
class _Check:
    column: str
    check: str  # syntax | range | enum | pattern | items
    message: str  # with {value}
    invalid: pl.Expr  # True where the value breaks the rule


def _short(value: str, size: int = 60) -> str:
    return value if len(value) <= size else value[: size - 1] + "…"


def _column_plan(table: str, column: str) -> tuple[pl.Expr, list[_Check]]:
    """The cast of a text column to its canonical type and the checks of its values."""
    dtype = canonical.TABLES[table][column]
    info = spec.field(table, column)
    raw = pl.col(column)
    present = raw.is_not_null()
    kind = spec.kind(dtype)
    pattern = spec.lexical_pattern(dtype)
    checks: list[_Check] = []
    syntax_ok = raw.str.contains(pattern) if pattern else pl.lit(True)
    if pattern:
        checks.append(
            _Check(
                column,
                "syntax",
                _SYNTAX[kind].format(dtype=dtype, scale=getattr(dtype, "scale", 0)),
                present & ~syntax_ok,
            )
        )
    match kind:
        case "integer":
            wide = raw.cast(pl.Int64, strict=False)
            low = max(-(2**31), info.minimum if info.minimum is not None else -(2**31))
            high = min(2**31 - 1, info.maximum if info.maximum is not None else 2**31 - 1)
            checks.append(
                _Check(
                    column,
                    "range",
                    f"{{value}} is outside {low}..{high}",
                    present & syntax_ok & ((wide < low) | (wide > high)),
                )
            )
            cast = pl.when(syntax_ok).then(wide).cast(pl.Int32, strict=False)
        case "decimal":
            cast = pl.when(syntax_ok).then(raw).cast(dtype, strict=False)
            if info.minimum is not None:
                minimum = Decimal(str(info.minimum))
                checks.append(
                    _Check(
                        column,
                        "range",
                        f"{{value}} is below {minimum}",
                        present & syntax_ok & (cast < pl.lit(minimum, dtype=dtype)),
                    )
                )
        case "date":
            cast = raw.str.strptime(pl.Date, "%Y-%m-%d", strict=False)
            checks.append(
                _Check(
                    column, "syntax", "{value} is not a calendar date", present & syntax_ok & cast.is_null()
                )
            )
        case "datetime":
            cast = raw.str.strptime(dtype, spec.DATETIME_FORMAT, strict=False)
            checks.append(
                _Check(
                    column,
                    "syntax",
                    "{value} is not a valid date and time",
                    present & syntax_ok & cast.is_null(),
                )
            )
        case "boolean":
            cast = pl.when(present).then(raw == "true")
        case "list":
            items = raw.str.split(spec.LIST_SEPARATOR)
            cast = items.fill_null(pl.lit([], dtype=dtype))
            if info.item_enum:
                allowed = pl.lit(list(info.item_enum), dtype=pl.List(pl.Utf8))
                checks.append(
                    _Check(
                        column,
                        "items",
                        "{value} has an item that is not one of " + ", ".join(info.item_enum),
                        present
                        & syntax_ok
                        & ~items.list.eval(pl.element().is_in(allowed.first())).list.all(),
                    )
                )
        case _:
            cast = raw
    if info.enum:
        checks.append(
            _Check(
                column,
                "enum",
                "{value} is not one of " + ", ".join(info.enum),
                present & ~raw.is_in(list(info.enum)),
            )
        )
    if info.pattern:
        checks.append(
            _Check(
                column,
                "pattern",
                f"{{value}} does not match {info.pattern}",
                present & ~raw.str.contains(info.pattern),
            )
        )
    if info.minimum is not None and kind == "text":  # pragma: no cover - no such field
        raise AssertionError(column)
    return cast.alias(column), checks


_SYNTAX = {
    "integer": "{{value}} is not a whole number",
    "decimal": "{{value}} is not a plain decimal number with at most {scale} decimals (a dot, no separators)",
    "date": "{{value}} is not a date in the form yyyy-mm-dd",
    "datetime": "{{value}} is not a date and time in the form yyyy-mm-ddThh:mm:ss[.ffffff]",
    "boolean": "{{value}} is not true or false",
    "list": "{{value}} has an empty item (items are separated by ';')",
}


@dataclass
class _TablePlan:
    table: str
    casts: list[pl.Expr]
    checks: list[_Check]
    required: list[str]


_PLANS: dict[str, _TablePlan] = {}


def _plan(table: str) -> _TablePlan:
    if table not in _PLANS:
        casts, checks = [], []
        for column in canonical.TABLES[table]:
            cast, column_checks = _column_plan(table, column)
            casts.append(cast)
            checks.extend(column_checks)
        _PLANS[table] = _TablePlan(table, casts, checks, spec.required_columns(table))
    return _PLANS[table]


@dataclass
class _FileState:
    """What is known about one data file while it is read."""

    name: str
    table: str
    path: Path
    header: list[str] = field(default_factory=list)
    positions: dict[str, int] = field(default_factory=dict)  # column -> 1-based column number
    structure: _Structure | None = None
    rows: int = 0
    missing: dict[str, list] = field(default_factory=dict)  # required column -> [count, first lines]
    usable: bool = True


def _check_header(state: _FileState, header: list[str], manifest_minor: int, problems: Problems) -> list[str]:
    """Columns to read (all of the header); problems with missing, unknown or repeated names."""
    schema = canonical.TABLES[state.table]
    seen: dict[str, int] = {}
    for position, column in enumerate(header, start=1):
        if column in seen:
            state.usable = False
            problems.fatal(
                "header", f"column {column!r} appears twice in the header", f"{state.name}:1:{position}"
            )
        seen[column] = position
    missing = [c for c in schema if c not in seen]
    if missing:
        state.usable = False
        problems.fatal(
            "header",
            f"the header lacks the column(s) {', '.join(missing)}",
            f"{state.name}:1",
            columns=missing,
        )
    for column, position in seen.items():
        if column in schema:
            continue
        location = f"{state.name}:1:{position}"
        if column.startswith(spec.EXTENSION_PREFIX):
            problems.add(INFO, "extension_column", f"extension column {column!r} is ignored", location)
        elif manifest_minor > int(spec.VERSION.split(".")[1]):
            problems.add(
                WARNING, "unknown_column", f"column {column!r} of a later version is ignored", location
            )
        else:
            state.usable = False
            problems.fatal(
                "header", f"unknown column {column!r} (extension columns start with 'x_')", location
            )
    state.header = header
    state.positions = seen
    return header


def _parse_batches(
    state: _FileState, problems: Problems, *, batch_rows: int = BATCH_ROWS
) -> Iterator[pl.DataFrame]:
    """Pass 2: the typed batches of the file, each with a `_line` column (physical line numbers)."""
    plan = _plan(state.table)
    schema = {f"_c{i}": pl.Utf8 for i in range(len(state.header))}
    names = {f"_c{i}": column for i, column in enumerate(state.header)}
    scan = pl.scan_csv(
        state.path,
        has_header=False,
        skip_rows=1,
        schema=schema,
        quote_char='"',
        encoding="utf8",
        glob=False,
        empty_string_is_null=True,
        truncate_ragged_lines=False,
        raise_if_empty=False,
        infer_schema=False,
    )
    starts = state.structure.starts if state.structure else None
    offset = 0
    try:
        batches = scan.collect_batches(chunk_size=batch_rows)
        for batch in batches:
            if not batch.height:
                continue
            text = batch.rename(names).select(list(canonical.TABLES[state.table]))
            height = text.height
            if starts is not None:
                lines = starts.slice(offset, height)
            else:
                lines = pl.int_range(offset + 2, offset + height + 2, eager=True, dtype=pl.Int64)
            offset += height
            yield _check_batch(state, plan, text, lines.alias("_line"), problems)
    except pl.exceptions.PolarsError as error:
        raise FormatError(
            f"the file cannot be read as CSV ({str(error).splitlines()[0]})", state.name
        ) from None
    state.rows = offset
    if state.structure and offset != state.structure.records:
        problems.fatal(
            "csv_structure",
            f"the CSV parser found {offset} records where the line scan found {state.structure.records}",
            state.name,
        )


def _check_batch(
    state: _FileState, plan: _TablePlan, text: pl.DataFrame, lines: pl.Series, problems: Problems
) -> pl.DataFrame:
    # One lazy query for the casts and the checks: the regexes and casts they share run once.
    columns = list(canonical.TABLES[plan.table])
    out = (
        text.lazy()
        .select(
            *plan.casts,
            *(check.invalid.fill_null(False).alias(f"_{i}") for i, check in enumerate(plan.checks)),
            *(pl.col(c).is_null().alias(f"_missing_{c}") for c in plan.required),
        )
        .collect()
    )
    masks = out.drop(columns)
    flags = masks.select(pl.all().any()).row(0, named=True)
    failing = [i for i, check in enumerate(plan.checks) if flags[f"_{i}"]]
    if failing:
        state.usable = False
        found = []
        beyond = 0
        for i in failing:
            check = plan.checks[i]
            rows = masks.get_column(f"_{i}").arg_true()
            take = rows.head(1 if problems.strict else problems.cap)
            beyond += rows.len() - take.len()
            for row in take.to_list():
                found.append((row, state.positions[check.column], check, text.get_column(check.column)[row]))
        found.sort(key=lambda item: (item[0], item[1]))
        for row, position, check, value in found:
            problems.fatal(
                "invalid_value",
                f"{check.column}: " + check.message.replace("{value}", repr(_short(str(value)))),
                f"{state.name}:{lines[row]}:{position}",
                column=check.column,
                check=check.check,
                value=_short(str(value)),
            )
        if beyond:
            problems.totals[(ERROR, "invalid_value")] = (
                problems.totals.get((ERROR, "invalid_value"), 0) + beyond
            )
    for column in plan.required:
        rows = masks.get_column(f"_missing_{column}").arg_true()
        if rows.len():
            entry = state.missing.setdefault(column, [0, []])
            entry[0] += rows.len()
            room = 10 - len(entry[1])
            if room > 0:
                entry[1].extend(lines.gather(rows.head(room)).to_list())
    return out.select(columns).with_columns(lines)


def _report_missing(state: _FileState, problems: Problems) -> None:
    for column, (count, first) in state.missing.items():
        position = state.positions[column]
        problems.add(
            ERROR,
            "missing_value",
            f"{column} is required but empty in {count} row(s) (lines {', '.join(map(str, first))}"
            f"{' ...' if count > len(first) else ''})",
            f"{state.name}:{first[0]}:{position}",
            count=count,
            column=column,
            lines=first,
        )


# --------------------------------------------------------------------------------------------------
# the manifest


def _manifest_validator():
    import jsonschema

    return jsonschema.Draft202012Validator(
        spec.manifest_schema(), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


def _check_manifest(text: str, problems: Problems) -> dict:
    """The parsed manifest; schema problems are reported, an unusable one raises FormatError."""
    try:
        manifest = json.loads(text)
    except json.JSONDecodeError as error:
        raise FormatError(
            f"manifest.json is not valid JSON ({error.msg})", f"{MANIFEST}:{error.lineno}:{error.colno}"
        ) from None
    if not isinstance(manifest, dict):
        raise FormatError("manifest.json must hold a JSON object", MANIFEST)
    if manifest.get("standard") != spec.STANDARD:
        raise FormatError(f"this is not a package of the {spec.STANDARD!r}", MANIFEST)
    version = str(manifest.get("version", ""))
    if not re.fullmatch(r"[0-9]+\.[0-9]+", version) or int(version.split(".")[0]) != spec.MAJOR:
        raise FormatError(
            f"version {version!r} of the standard is not supported (this reader reads {spec.MAJOR}.x)",
            MANIFEST,
        )
    for error in sorted(_manifest_validator().iter_errors(manifest), key=lambda e: list(e.absolute_path)):
        pointer = "/" + "/".join(str(p) for p in error.absolute_path)
        problems.add(
            ERROR, "manifest_invalid", f"manifest.json{pointer}: {error.message}", f"{MANIFEST}:{pointer}"
        )
    files = manifest.get("files")
    if not isinstance(files, list) or not all(
        isinstance(f, dict) and isinstance(f.get("name"), str) for f in files
    ):
        raise FormatError("manifest.json has no usable list of files", MANIFEST)
    return manifest


def _amount(value) -> Decimal | None:
    try:
        return Decimal(str(value))
    except ArithmeticError:
        return None


# --------------------------------------------------------------------------------------------------
# reading a package


class _PackageReader:
    """Reads a package into a sink; shared by `read` (strict) and `validate_package` (collecting)."""

    def __init__(self, package: Package, problems: Problems, *, package_locations: bool, progress=None):
        self.package = package
        self.problems = problems
        self.package_locations = package_locations
        self.progress = progress
        self.manifest: dict = {}
        self.minor = 0
        self.entries: list[dict] = []
        self.states: dict[str, _FileState] = {}
        self.digests: dict[str, dict] = {}
        self._done = 0
        self._total = 1
        self._size: int | None = None

    # -- inventory
    def inventory(self) -> None:
        problems = self.problems
        self.manifest = _check_manifest(self.package.manifest_text, problems)
        self.minor = int(str(self.manifest["version"]).split(".")[1])
        present = set(self.package.names())
        listed: set[str] = set()
        for index, entry in enumerate(self.manifest["files"]):
            name = entry["name"]
            where = f"{MANIFEST}:/files/{index}"
            table = spec.file_table(name)
            if name in listed:
                problems.add(ERROR, "file_duplicate", f"{name} is listed twice", where)
                continue
            listed.add(name)
            if table is None:
                problems.add(ERROR, "file_unknown", f"{name} is not a file of the standard", where)
                continue
            if entry.get("table") != table:
                problems.add(
                    ERROR,
                    "manifest_invalid",
                    f"{name} holds table {table}, not {entry.get('table')!r}",
                    where,
                )
            if name not in present:
                problems.fatal(
                    "file_missing", f"{name} is listed in the manifest but not in the package", name
                )
                continue
            self.entries.append({**entry, "table": table})
        lines_files = [e["name"] for e in self.entries if e["table"] == "lines"]
        if "lines.csv" in lines_files and len(lines_files) > 1:
            problems.add(
                ERROR, "file_duplicate", "lines.csv and numbered lines files cannot be mixed", MANIFEST
            )
        for name in sorted(present - listed):
            if spec.file_table(name) is not None:
                problems.add(
                    ERROR, "file_unlisted", f"{name} is in the package but not in the manifest", name
                )
            else:
                problems.add(INFO, "file_ignored", f"{name} is not part of the standard and is ignored", name)
        listed_tables = {spec.file_table(name) for name in listed}
        for table in spec.REQUIRED_TABLES:
            if table not in listed_tables:
                problems.fatal("table_missing", f"the package has no {table} file", MANIFEST)
        order = {t: i for i, t in enumerate(spec.TABLE_ORDER)}
        self.entries.sort(key=lambda e: (order[e["table"]], e["name"]))
        self._total = max(sum(int(e.get("bytes") or 0) for e in self.entries), 1)

    # -- files
    def open_file(self, entry: dict) -> _FileState | None:
        name, table = entry["name"], entry["table"]
        expected = entry.get("bytes") if isinstance(entry.get("bytes"), int) else None
        path = self.package.local(name, expected_bytes=expected)
        state = _FileState(name=name, table=table, path=path)
        self.states[name] = state
        header = _read_header(path, name, self.problems)
        if header is None:
            state.usable = False
            return state
        _check_header(state, header, self.minor, self.problems)
        if not state.usable:
            return state
        state.structure = _scan_structure(path, name, len(header), self.problems)
        if not state.structure.ok:
            state.usable = False
        return state

    def frames(self, entry: dict) -> Iterator[pl.DataFrame]:
        """The typed batches of one file (nothing when it cannot be parsed)."""
        state = self.open_file(entry)
        if state is None or not state.usable:
            self._advance(entry)
            return
        size = max(int(entry.get("bytes") or 0), 1)
        records = max(state.structure.records, 1)
        done = 0
        for frame in _parse_batches(state, self.problems):
            done += frame.height
            self._report_progress(self._done + size * min(done, records) // records)
            yield frame
        _report_missing(state, self.problems)
        self._advance(entry)

    def _advance(self, entry: dict) -> None:
        self._done += max(int(entry.get("bytes") or 0), 0)
        self._report_progress(self._done)

    def _report_progress(self, done: int) -> None:
        if self.progress is not None:
            if self._size is None:
                self._size = self.package.total_size()
            total = self._size
            self.progress(min(total * done // self._total, total), total)

    # -- after the files
    def check_file(self, entry: dict, digests: dict | None, totals: dict | None) -> None:
        problems, name = self.problems, entry["name"]
        state = self.states.get(name)
        if digests is not None:
            if isinstance(entry.get("bytes"), int) and entry["bytes"] != digests["bytes"]:
                problems.add(
                    ERROR,
                    "digest_mismatch",
                    f"{name} has {digests['bytes']} bytes; the manifest says {entry['bytes']}",
                    name,
                    field="bytes",
                )
            for algorithm in ("sha256", "sm3"):
                if entry.get(algorithm) and entry[algorithm] != digests[algorithm]:
                    problems.add(
                        ERROR,
                        "digest_mismatch",
                        f"the {algorithm.upper()} digest of {name} differs from the manifest's",
                        name,
                        field=algorithm,
                        expected=entry[algorithm],
                        found=digests[algorithm],
                    )
        if (
            state is not None
            and state.usable
            and isinstance(entry.get("rows"), int)
            and entry["rows"] != state.rows
        ):
            problems.add(
                ERROR,
                "row_count_mismatch",
                f"{name} has {state.rows} rows; the manifest says {entry['rows']}",
                name,
                expected=entry["rows"],
                found=state.rows,
            )
        if totals is not None:
            self.compare_totals(entry.get("control_totals"), totals, name)

    def compare_totals(self, expected, found: dict, where: str) -> None:
        if not isinstance(expected, dict):
            if where != MANIFEST:
                self.problems.add(
                    ERROR, "control_total_mismatch", f"{where}: the manifest has no control totals", where
                )
            return
        for key, value in found.items():
            announced = expected.get(key)
            same = _amount(announced) == value if isinstance(value, Decimal) else announced == value
            if not same:
                self.problems.add(
                    ERROR,
                    "control_total_mismatch",
                    f"{where}: {key} is {value}; the manifest says {announced}",
                    where if where != "all lines" else MANIFEST,
                    field=key,
                    expected=str(announced),
                    found=str(value),
                )


class _LineTotals:
    """Control totals of voucher lines, accumulated batch by batch."""

    def __init__(self):
        self.count = 0
        self.debit = Decimal("0.00")
        self.credit = Decimal("0.00")
        self.keys: list[pl.DataFrame] = []

    def add(self, frame: pl.DataFrame) -> None:
        self.count += frame.height
        sums = frame.select(pl.col("debit").sum(), pl.col("credit").sum()).row(0)
        self.debit += sums[0] if sums[0] is not None else 0
        self.credit += sums[1] if sums[1] is not None else 0
        self.keys.append(frame.select(spec.VOUCHER_KEY).unique())

    def merge(self, other: _LineTotals) -> None:
        self.count += other.count
        self.debit += other.debit
        self.credit += other.credit
        self.keys.extend(other.keys)

    def vouchers(self) -> int:
        if not self.keys:
            return 0
        self.keys = [pl.concat(self.keys).unique()]
        return self.keys[0].height

    def as_dict(self) -> dict:
        return {
            "count": self.count,
            "total_debit": self.debit.quantize(Decimal("0.01")),
            "total_credit": self.credit.quantize(Decimal("0.01")),
            "vouchers": self.vouchers(),
        }


def _fill_locations(frame: pl.DataFrame, name: str, override: bool) -> pl.DataFrame:
    location = pl.lit(f"{name}:") + pl.col("_line").cast(pl.Utf8)
    value = location if override else pl.coalesce(pl.col("source_location"), location)
    return frame.with_columns(source_location=value).drop("_line")


def _digest_pool(package: Package, entries: list[dict]):
    """Digests of the folder's files, computed beside the parsing (zip members get theirs when extracted)."""
    if package.zip is not None:
        return None, {}
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cpahub-std-digest")
    return pool, {e["name"]: pool.submit(file_digests, package.local(e["name"])) for e in entries}


def _read_into(reader: _PackageReader, sink, *, keep: dict | None = None) -> None:
    """Read every file of the package into `sink` (master tables first, then the lines)."""
    package, problems = reader.package, reader.problems
    reader.inventory()
    pool, pending = _digest_pool(package, reader.entries)
    all_lines = _LineTotals()
    try:
        for entry in reader.entries:
            table, name = entry["table"], entry["name"]
            totals = None
            if table == "lines":
                totals = _LineTotals()
                for frame in reader.frames(entry):
                    frame = _fill_locations(frame, name, reader.package_locations)
                    totals.add(frame)
                    sink.put_lines(frame)
                all_lines.merge(totals)
            else:
                parts = list(reader.frames(entry))
                state = reader.states.get(name)
                if state is not None and state.usable:
                    frame = (
                        pl.concat(parts)
                        if parts
                        else canonical.empty(table).with_columns(_line=pl.lit(None, dtype=pl.Int64))
                    )
                    if keep is not None:
                        keep[table] = frame  # with `_line`, the line of each row in its file
                    sink.put(table, frame.drop("_line"))
            digests = package.extracted.get(name)
            if name in pending:
                digests = pending[name].result()
            state = reader.states.get(name)
            reader.check_file(
                entry, digests, totals.as_dict() if totals is not None and state and state.usable else None
            )
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
    lines_usable = all(s.usable for s in reader.states.values() if s.table == "lines")
    if lines_usable and any(e["table"] == "lines" for e in reader.entries):
        expected = (reader.manifest.get("totals") or {}).get("lines")
        reader.compare_totals(expected, all_lines.as_dict(), "all lines")
        rows = (reader.manifest.get("totals") or {}).get("rows")
        if isinstance(rows, dict) and "lines" in rows and rows["lines"] != all_lines.count:
            problems.add(
                ERROR,
                "row_count_mismatch",
                f"the lines files have {all_lines.count} rows; the manifest's totals say {rows['lines']}",
                MANIFEST,
            )
    _check_entity(keep, sink, problems)


def _check_entity(keep, sink, problems: Problems) -> None:
    entity = keep.get("entity") if keep is not None else None
    if entity is None and isinstance(sink, canonical.InMemoryLedger):
        entity = sink.tables.get("entity")
    if entity is not None and entity.height != 1:
        problems.add(
            ERROR, "entity_rows", f"entity.csv must have exactly one row, not {entity.height}", "entity.csv"
        )


def read(path: Path, sink, *, options: dict | None = None, progress=None) -> None:
    """Read the package at `path` (folder, zip or manifest.json) into `sink`.

    Options: `package_locations` (default False) — put this file and line into every line's
    `source_location`, even where the package gives the producer's own location.
    """
    options = options or {}
    problems = Problems(strict=True, report=sink.report)
    with Package(Path(path)) as package:
        reader = _PackageReader(
            package, problems, package_locations=bool(options.get("package_locations")), progress=progress
        )
        _read_into(reader, sink, keep={})


# --------------------------------------------------------------------------------------------------
# validating a package (for third parties)


@dataclass
class PackageReport:
    issues: list[Issue]
    totals: dict  # (severity, code) -> count, all findings
    lines: int = 0
    vouchers: int = 0
    total_debit: Decimal | None = None
    total_credit: Decimal | None = None

    @property
    def unreadable(self) -> bool:
        return any(issue.code in UNREADABLE for issue in self.issues)

    @property
    def errors(self) -> int:
        return sum(n for (severity, _code), n in self.totals.items() if severity == ERROR)

    @property
    def warnings(self) -> int:
        return sum(n for (severity, _code), n in self.totals.items() if severity == WARNING)

    @property
    def valid(self) -> bool:
        return not self.errors


# Ledger findings that are conformance errors for a package, whatever an import makes of them (an
# import of a client's messy export may only warn): the rules of spec.md section 5.
CONFORMANCE_SEVERITY = dict.fromkeys(
    (
        "voucher_unbalanced",
        "totals_unbalanced",
        "duplicate_account",
        "unknown_account",
        "balance_unknown_account",
        "balance_roll_forward",
        "tb_ledger_mismatch",
        "parent_child_mismatch",
        "unknown_dimension",
        "dimension_without_master",
        "unknown_period",
        "duplicate_line_number",
    ),
    ERROR,
)


def validate_package(path, *, cap: int = DEFAULT_CAP) -> list[Issue]:
    """Every problem of the package at `path`, as issues (errors mean it does not conform)."""
    return check_package(path, cap=cap).issues


def check_package(path, *, cap: int = DEFAULT_CAP) -> PackageReport:
    """`validate_package` with the counts: findings per kind and the ledger's figures."""
    problems = Problems(strict=False, cap=cap)
    ledger = canonical.InMemoryLedger()
    tables: dict[str, pl.DataFrame] = {}
    path = Path(path)
    try:
        package = Package(path)
    except FormatError as error:
        code = "manifest_missing" if "manifest" in str(error) else "package_unreadable"
        problems.add(ERROR, code, str(error), error.location or path.name)
        return PackageReport(problems.issues, problems.totals)
    with package:
        reader = _PackageReader(package, problems, package_locations=True)
        try:
            _read_into(reader, ledger, keep=tables)
        except FormatError as error:
            code = (
                "manifest_unreadable" if (error.location or "").startswith(MANIFEST) else "package_unreadable"
            )
            problems.add(ERROR, code, str(error), error.location)
            return PackageReport(problems.issues, problems.totals)
        usable = {name: s.usable for name, s in reader.states.items()}
    lines_ok = all(ok for name, ok in usable.items() if spec.file_table(name) == "lines")
    _check_keys(tables, problems)
    _check_references(tables, ledger, problems, lines_ok)
    report = PackageReport(problems.issues, problems.totals)
    if all(usable.values()):
        _ledger_checks(ledger, problems, report, cap, tables)
    else:
        problems.add(
            INFO,
            "ledger_checks_skipped",
            "the ledger checks (balanced vouchers, roll-forward, trial balance ...) were skipped: "
            "fix the file errors above first",
        )
    report.issues, report.totals = problems.issues, problems.totals
    return report


def _file_location(issue: Issue, tables: dict[str, pl.DataFrame]) -> str:
    """The file and line of a ledger finding about a balance or an account ("balances: account 1001"
    becomes "balances.csv:2"); other locations are kept."""
    location, data = issue.location or "", issue.data or {}
    table = next((t for t in ("balances", "accounts") if location.startswith(f"{t}: ")), None)
    frame = tables.get(table) if table else None
    if frame is None or "_line" not in frame.columns or not data.get("account_code"):
        return location
    if table == "accounts":
        lines = frame.filter(pl.col("code") == data["account_code"])["_line"].to_list()
        return f"accounts.csv:{lines[1] if len(lines) > 1 else lines[0]}" if lines else location
    condition = pl.col("account_code") == data["account_code"]
    for column in ("dimension_type", "dimension_code", "currency"):
        if column in data:
            condition &= pl.col(column).eq_missing(pl.lit(data[column], dtype=pl.Utf8))
    lines = frame.filter(condition)["_line"]
    return f"balances.csv:{lines[0]}" if lines.len() else location


def _ledger_checks(
    ledger: canonical.InMemoryLedger,
    problems: Problems,
    report: PackageReport,
    cap: int,
    tables: dict[str, pl.DataFrame],
) -> None:
    try:
        from cpahub.ledgers import validation
    except ImportError:  # pragma: no cover - the validation module is part of the app
        return
    result = validation.validate(ledger, cap=cap)
    kept: dict[tuple[str, str], int] = {}
    for issue in result.issues:
        severity = CONFORMANCE_SEVERITY.get(issue.code, issue.severity)
        key = (severity, issue.code)
        kept[key] = kept.get(key, 0) + 1
        if kept[key] <= cap:
            problems.issues.append(replace(issue, severity=severity, location=_file_location(issue, tables)))
    for (severity, code), count in result.totals.items():
        key = (CONFORMANCE_SEVERITY.get(code, severity), code)
        problems.totals[key] = problems.totals.get(key, 0) + count
    report.lines, report.vouchers = result.line_count, result.voucher_count
    report.total_debit, report.total_credit = result.total_debit, result.total_credit


def _duplicates(frame: pl.DataFrame, key: list[str]) -> pl.DataFrame:
    """Key values found more than once, with the line of the second occurrence."""
    return (
        frame.group_by(key)
        .agg(pl.len().alias("count"), pl.col("_line").sort().get(1, null_on_oob=True).alias("line"))
        .filter(pl.col("count") > 1)
        .sort(key, nulls_last=True)
    )


def _check_keys(tables: dict[str, pl.DataFrame], problems: Problems) -> None:
    """Primary and unique keys of the master tables (accounts and line numbers: the ledger checks)."""
    for table in ("periods", "dimensions", "balances", "users", "cash_flow_items"):
        frame = tables.get(table)
        if frame is None or not frame.height:
            continue
        info = spec.TABLE_INFO[table]
        keys = [info["primary_key"]] if info.get("primary_key") else info.get("unique_keys", [])
        for key in keys:
            for row in _duplicates(frame, key).head(problems.cap).iter_rows(named=True):
                values = ", ".join(f"{k}={row[k]}" for k in key)
                problems.add(
                    ERROR,
                    "duplicate_key",
                    f"{table}: {values} appears {row['count']} times",
                    f"{table}.csv:{row['line']}",
                    table=table,
                )
    balances = tables.get("balances")
    if balances is not None and balances.height:
        half = balances.filter(pl.col("dimension_type").is_null() != pl.col("dimension_code").is_null())
        for row in half.head(problems.cap).iter_rows(named=True):
            problems.add(
                ERROR,
                "balance_dimension",
                f"balances: account {row['account_code']} has dimension_type and dimension_code not both set",
                f"balances.csv:{row['_line']}",
            )


def _check_references(tables: dict[str, pl.DataFrame], ledger, problems: Problems, lines_ok: bool) -> None:
    """References the ledger checks do not cover: account and dimension parents, cash-flow items."""
    accounts = tables.get("accounts")
    if accounts is not None and accounts.height:
        codes = accounts.select(
            pl.col("code").alias("parent_code"), pl.col("level").alias("parent_level")
        ).unique("parent_code")
        linked = accounts.join(codes, on="parent_code", how="left")
        orphans = linked.filter(pl.col("parent_code").is_not_null() & pl.col("parent_level").is_null())
        for row in orphans.head(problems.cap).iter_rows(named=True):
            problems.add(
                ERROR,
                "unknown_reference",
                f"accounts: the parent {row['parent_code']} of account {row['code']} is not in the chart",
                f"accounts.csv:{row['_line']}",
                column="parent_code",
            )
        wrong_level = linked.filter(
            (pl.col("parent_level").is_not_null() & (pl.col("level") != pl.col("parent_level") + 1))
            | (pl.col("parent_code").is_null() & (pl.col("level") != 1))
        )
        for row in wrong_level.head(problems.cap).iter_rows(named=True):
            problems.add(
                ERROR,
                "account_level",
                f"accounts: account {row['code']} has level {row['level']} but its parent "
                f"{row['parent_code'] or '(none)'} has level {row['parent_level'] or '(none)'}",
                f"accounts.csv:{row['_line']}",
            )
        parents = accounts["parent_code"].drop_nulls().unique().implode()
        leaf_wrong = accounts.filter(pl.col("is_leaf") == pl.col("code").is_in(parents))
        for row in leaf_wrong.head(problems.cap).iter_rows(named=True):
            has = "has no" if row["is_leaf"] is False else "has"
            problems.add(
                WARNING,
                "account_leaf_flag",
                f"accounts: account {row['code']} {has} sub-accounts but is_leaf is {str(row['is_leaf']).lower()}",
                f"accounts.csv:{row['_line']}",
            )
    dimensions = tables.get("dimensions")
    if dimensions is not None and dimensions.height:
        known = dimensions.select("type", pl.col("code").alias("parent_code"))
        orphans = dimensions.filter(pl.col("parent_code").is_not_null()).join(
            known, on=["type", "parent_code"], how="anti"
        )
        for row in orphans.head(problems.cap).iter_rows(named=True):
            problems.add(
                ERROR,
                "unknown_reference",
                f"dimensions: the parent {row['parent_code']} of {row['type']} {row['code']} is not listed",
                f"dimensions.csv:{row['_line']}",
                column="parent_code",
            )
    if not lines_ok:
        return
    lines = ledger.table("lines")
    used = (
        lines.filter(pl.col("cash_flow_item").is_not_null())
        .group_by("cash_flow_item")
        .agg(pl.len().alias("lines"), pl.col("source_location").first().alias("location"))
    )
    if used.height:
        items = tables.get("cash_flow_items")
        known = (
            items.select(pl.col("code").alias("cash_flow_item"))
            if items is not None
            else pl.DataFrame(schema={"cash_flow_item": pl.Utf8})
        )
        for row in (
            used.join(known, on="cash_flow_item", how="anti")
            .sort("cash_flow_item")
            .head(problems.cap)
            .iter_rows(named=True)
        ):
            problems.add(
                ERROR,
                "unknown_reference",
                f"lines: cash-flow item {row['cash_flow_item']} is not in cash_flow_items.csv ({row['lines']} lines)",
                row["location"],
                column="cash_flow_item",
            )
    both = lines.filter((pl.col("debit") != 0) & (pl.col("credit") != 0))
    if both.height:
        first = both.row(0, named=True)
        problems.add(
            WARNING,
            "debit_and_credit",
            f"{both.height} line(s) have both a debit and a credit amount",
            first["source_location"],
            count=both.height,
        )


# --------------------------------------------------------------------------------------------------
# writing


def _producer(options: dict) -> dict:
    if options.get("producer"):
        return dict(options["producer"])
    try:
        from importlib.metadata import version

        software_version = version("cpahub")
    except Exception:  # not installed as a distribution
        software_version = "unknown"
    return {"software": "cpahub", "version": software_version}


def _text_frame(table: str, frame: pl.DataFrame) -> pl.DataFrame:
    """The frame with every column in its CSV text form (Polars writes dates, numbers, booleans)."""
    columns = []
    for name, dtype in canonical.TABLES[table].items():
        column = pl.col(name)
        match spec.kind(dtype):
            case "text":
                column = pl.when(column != "").then(column)
            case "list":
                column = column.list.join(spec.LIST_SEPARATOR)
                column = pl.when(column != "").then(column)
            case "datetime":
                column = column.dt.to_string(spec.DATETIME_FORMAT)
        columns.append(column.alias(name))
    return frame.select(columns)


class _FileWriter:
    def __init__(self, path: Path, table: str):
        self.path = path
        self.table = table
        self.handle = path.open("wb")
        self.digests = Digests()
        self.rows = 0
        self.totals = _LineTotals() if table == "lines" else None
        self.last_key: str | None = None

    def write(self, frame: pl.DataFrame) -> None:
        data = _text_frame(self.table, frame).write_csv(
            include_header=self.digests.bytes == 0, line_terminator="\n", date_format="%Y-%m-%d"
        )
        raw = data.encode("utf-8")
        self.digests.update(raw)
        self.handle.write(raw)
        self.rows += frame.height
        if self.totals is not None and frame.height:
            self.totals.add(frame)
            self.last_key = frame.tail(1).select(_VOUCHER_KEY_TEXT).item()

    def close(self) -> dict:
        if self.digests.bytes == 0:  # an empty table: the header alone
            self.write(canonical.empty(self.table))
        self.handle.close()
        entry = {"name": self.path.name, "table": self.table, "rows": self.rows, **self.digests.result()}
        if self.totals is not None:
            entry["control_totals"] = _totals_json(self.totals.as_dict())
        return entry


def _totals_json(totals: dict) -> dict:
    return {
        "count": totals["count"],
        "total_debit": f"{totals['total_debit']:.2f}",
        "total_credit": f"{totals['total_credit']:.2f}",
        "vouchers": totals["vouchers"],
    }


def _json_value(value):
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


_VOUCHER_KEY_TEXT = pl.concat_str(
    [pl.col(c).cast(pl.Utf8).fill_null("\x00") for c in spec.VOUCHER_KEY], separator="\x1f"
).alias("key")


def _with_last(iterable):
    """(item, is_last) pairs."""
    iterator = iter(iterable)
    try:
        current = next(iterator)
    except StopIteration:
        return
    for following in iterator:
        yield current, False
        current = following
    yield current, True


def _fitting_rows(batch: pl.DataFrame, room: int, last_key: str | None) -> int:
    """How many rows of `batch` go into a file with `room` rows left: all when they fit, else as
    many as end at a voucher boundary (0 when none does)."""
    if batch.height < room:
        return batch.height
    if room <= 0:
        return 0
    keys = batch.slice(0, room + 1).select(_VOUCHER_KEY_TEXT)["key"]
    starts = keys != keys.shift(1, fill_value=last_key if last_key is not None else "\x02")
    boundaries = starts.arg_true()
    boundaries = boundaries.filter(boundaries <= room)
    return int(boundaries.max()) if boundaries.len() else 0


def _write_folder(source, folder: Path, options: dict) -> list[Path]:
    if folder.exists() and any(folder.iterdir()):
        raise FileExistsError(f"{folder} is not empty")
    folder.mkdir(parents=True, exist_ok=True)
    per_file = int(options.get("lines_per_file") or spec.LINES_PER_FILE)
    entries: list[dict] = []
    written: list[Path] = []
    tables: dict[str, pl.DataFrame] = {}
    for table in spec.TABLE_ORDER:
        if table == "lines":
            continue
        frame = canonical.conform(table, source.lazy(table).collect())
        tables[table] = frame
        writer = _FileWriter(folder / f"{table}.csv", table)
        writer.write(frame)
        entries.append(writer.close())
        written.append(writer.path)
    # Voucher lines: numbered files of at most `per_file` rows, each ending where a voucher ends.
    line_entries: list[dict] = []
    writer: _FileWriter | None = None
    all_lines = _LineTotals()

    def finish(current: _FileWriter) -> None:
        line_entries.append(current.close())
        written.append(current.path)
        all_lines.merge(current.totals)

    for batch, last in _with_last(source.lazy("lines").collect_batches(chunk_size=BATCH_ROWS)):
        batch = canonical.conform("lines", batch)
        while batch.height:
            if writer is None:
                writer = _FileWriter(folder / f"lines-{len(line_entries) + 1:04d}.csv", "lines")
            room = per_file - writer.rows
            cut = (
                batch.height if last and batch.height == room else _fitting_rows(batch, room, writer.last_key)
            )
            if cut == 0 and writer.rows == 0:
                cut = min(batch.height, per_file)  # a voucher longer than a file must be split
            if cut:
                writer.write(batch.slice(0, cut))
                batch = batch.slice(cut)
            if batch.height:
                finish(writer)
                writer = None
    if writer is None:
        writer = _FileWriter(folder / f"lines-{len(line_entries) + 1:04d}.csv", "lines")
    finish(writer)
    if len(line_entries) == 1:  # a single file is called lines.csv
        single = folder / "lines.csv"
        os.replace(folder / line_entries[0]["name"], single)
        line_entries[0]["name"] = single.name
        written[-1] = single
    after_balances = [e["table"] for e in entries].index("balances") + 1
    entries[after_balances:after_balances] = line_entries  # in table order
    entity = tables["entity"].row(0, named=True) if tables["entity"].height else {}
    manifest = {
        "standard": spec.STANDARD,
        "version": spec.VERSION,
        "producer": _producer(options),
        "created": options.get("created") or dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "entity": {
            key: _json_value(entity.get(key))
            for key in ("name", "credit_code", "currency", "fiscal_year", "period_start", "period_end")
        },
        "files": entries,
        "totals": {
            "rows": {
                e["table"]: sum(x["rows"] for x in entries if x["table"] == e["table"]) for e in entries
            },
            "lines": _totals_json(all_lines.as_dict()),
        },
    }
    path = folder / MANIFEST
    path.write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return [path, *written]


def zip_package(folder: Path, target: Path, *, compresslevel: int = 6) -> Path:
    """Zip a package folder: manifest.json first (so that `sniff` recognises it), then its files."""
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    partial = target.with_name(f".{target.name}.partial")
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED, compresslevel=compresslevel) as archive:
        archive.write(folder / MANIFEST, MANIFEST)
        for entry in manifest["files"]:
            archive.write(folder / entry["name"], entry["name"])
    os.replace(partial, target)
    return target


def write(source, target: Path, *, options: dict | None = None) -> list[Path]:
    """Write `source` as a package: a folder, or a zip when `target` ends in .zip (or options zip=True).

    Options: `lines_per_file` (1,000,000), `producer` ({"software", "version", "vendor"}),
    `created` (ISO date-time, default now), `compresslevel` for zips (6).
    """
    options = options or {}
    target = Path(target)
    if options.get("zip", target.suffix.lower() == ".zip"):
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix=".cpahub-std-", dir=target.parent) as tmp:
            _write_folder(source, Path(tmp) / "package", options)
            zip_package(Path(tmp) / "package", target, compresslevel=int(options.get("compresslevel", 6)))
        return [target]
    return _write_folder(source, target, options)


def describe(issue: Issue) -> str:
    """One line for people: severity, location, message."""
    where = f"{issue.location}: " if issue.location else ""
    return f"{issue.severity.upper():<7} {where}{issue.message}"


__all__ = [
    "FORMAT",
    "LABEL",
    "Package",
    "PackageReport",
    "check_package",
    "describe",
    "read",
    "sniff",
    "validate_package",
    "write",
    "zip_package",
]
