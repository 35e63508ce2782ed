"""Checking a cpahub audit data standard package: the per-file checks that `cpahub_std.read`
runs strictly (a value error raises `FormatError`) and `validate_package` runs collecting (every
problem, up to a cap per kind), and `validate_package` / `check_package` themselves.

The package format and reading are in `cpahub_std`, which re-exports the public names here.
"""

from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path

import polars as pl

from cpahub.ledgers import canonical, spec
from cpahub.ledgers.canonical import Issue
from cpahub.ledgers.formats import FormatError
from cpahub.ledgers.formats.messages import make_issue, refusal_data

BATCH_ROWS = 250_000  # rows per parsed batch
SCAN_LINES = 1_000_000  # physical lines per structure-scan batch
MAX_HEADER_BYTES = 1024 * 1024
DEFAULT_CAP = 50  # findings kept per kind by validate_package
CHUNK = 1 << 20

ERROR, WARNING, INFO = "error", "warning", "info"
# Codes of problems that mean the package could not be opened at all (the command exits 2).
UNREADABLE = frozenset({"package_unreadable", "manifest_missing", "manifest_unreadable"})

QUOTED = r'"(?:[^"]|"")*"'
RECORD = re.compile(rf'^(?:{QUOTED}|[^",]*)(?:,(?:{QUOTED}|[^",]*))*$')


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

    def add(self, severity: str, code: str, location: str = "", /, count: int = 1, **data) -> None:
        """A finding; its message is the code's template (`formats.messages`) filled with `data`."""
        issue = make_issue(severity, code, location, **data)
        key = (severity, code)
        kept = self.totals.get(key, 0)
        self.totals[key] = kept + count
        if self._report is not None:
            self._report(issue)
        elif kept < self.cap:
            self.issues.append(issue)

    def fatal(self, code: str, location: str = "", /, **data) -> None:
        """A problem that makes the file unreadable: raise in strict mode, else collect."""
        if self.strict:
            raise FormatError.of(code, location, **data)
        self.add(ERROR, code, location, **data)

    def count(self, severity: str = ERROR) -> int:
        return sum(n for (sev, _code), n in self.totals.items() if sev == severity)


# --------------------------------------------------------------------------------------------------
# the structure pass: record boundaries, field counts, line numbers


def _tokenize(text: str) -> tuple[int, tuple[int, str] | None]:
    """RFC 4180 split of one record (which may contain line breaks inside quotes): the number of
    fields and the first problem (field number from 1, reason: a variant of "csv_quoting"), if any."""
    fields, index, length = 1, 0, len(text)
    at_field_start = True
    while index < length:
        char = text[index]
        if at_field_start and char == '"':
            index += 1
            while True:
                if index >= length:
                    return fields, (fields, "not_closed")
                if text[index] == '"':
                    if index + 1 < length and text[index + 1] == '"':
                        index += 2
                        continue
                    index += 1
                    break
                index += 1
            if index < length and text[index] != ",":
                return fields, (fields, "after_quote")
            at_field_start = False
            continue
        if char == ",":
            fields += 1
            at_field_start = True
        elif char == '"':
            return fields, (fields, "inside_unquoted")
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

    def structure_problem(code: str, location: str, **data) -> None:
        result.ok = False
        problems.fatal(code, location, **data)

    def check_record(text: str, line: int) -> None:
        count, problem = _tokenize(text)
        if problem is not None:
            structure_problem("csv_quoting", f"{name}:{line}:{problem[0]}", variant=problem[1])
        elif count != n_fields:
            structure_problem("csv_field_count", f"{name}:{line}", expected=n_fields, found=count)

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
                    name,
                    count=bad.height - problems.cap - 1,
                    variant="more",
                    more=bad.height - problems.cap - 1,
                )
            result.records += counted.height
            starts.append(counted["line"])
    except pl.exceptions.ComputeError as error:
        if "utf" not in str(error).lower():
            raise FormatError.of("not_csv", name, error=str(error).splitlines()[0]) from None
        line, column, reason = _bad_utf8(path)
        result.ok = False
        problems.fatal("encoding", f"{name}:{line}:{column}", reason=reason)
        return result
    if pending is not None and pending.height:
        structure_problem("csv_quoting", f"{name}:{pending['line'][0]}", variant="unclosed")
    if irregular:
        result.starts = pl.concat(starts) if starts else pl.Series(dtype=pl.Int64)
    result.ok = result.ok and problems.count() == errors_before
    return result


def _read_header(path: Path, name: str, problems: Problems) -> list[str] | None:
    with path.open("rb") as handle:
        raw = handle.readline(MAX_HEADER_BYTES)
    if not raw:
        problems.fatal("header", f"{name}:1", variant="empty")
        return None
    if raw.startswith(codecs.BOM_UTF8):
        problems.add(INFO, "bom", f"{name}:1")
        raw = raw[len(codecs.BOM_UTF8) :]
    try:
        text = raw.decode("utf-8").rstrip("\r\n")
    except UnicodeDecodeError as error:
        problems.fatal("encoding", f"{name}:1:{error.start + 1}", variant="header", reason=error.reason)
        return None
    try:
        return next(csv.reader([text], strict=True), [])
    except csv.Error as error:
        problems.fatal("header", f"{name}:1", variant="not_csv", error=str(error))
        return None


# --------------------------------------------------------------------------------------------------
# value checks and casts, vectorised per batch


@dataclass(frozen=True)
class _Check:
    column: str
    check: str  # syntax | range | enum | pattern | items
    rule: str  # the variant of the "invalid_value" message (formats.messages)
    invalid: pl.Expr  # True where the value breaks the rule
    params: dict = field(default_factory=dict)  # the message's further data


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
                f"syntax_{kind}",
                present & ~syntax_ok,
                {"scale": getattr(dtype, "scale", 0)} if kind == "decimal" else {},
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
                    "outside",
                    present & syntax_ok & ((wide < low) | (wide > high)),
                    {"low": low, "high": high},
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
                        "below",
                        present & syntax_ok & (cast < pl.lit(minimum, dtype=dtype)),
                        {"minimum": str(minimum)},
                    )
                )
        case "date":
            cast = raw.str.strptime(pl.Date, "%Y-%m-%d", strict=False)
            checks.append(_Check(column, "syntax", "not_calendar_date", present & syntax_ok & cast.is_null()))
        case "datetime":
            cast = raw.str.strptime(dtype, spec.DATETIME_FORMAT, strict=False)
            checks.append(_Check(column, "syntax", "not_datetime", present & syntax_ok & cast.is_null()))
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
                        "items",
                        present
                        & syntax_ok
                        & ~items.list.eval(pl.element().is_in(allowed.first())).list.all(),
                        {"allowed": ", ".join(info.item_enum)},
                    )
                )
        case _:
            cast = raw
    if info.enum:
        checks.append(
            _Check(
                column,
                "enum",
                "enum",
                present & ~raw.is_in(list(info.enum)),
                {"allowed": ", ".join(info.enum)},
            )
        )
    if info.pattern:
        checks.append(
            _Check(
                column,
                "pattern",
                "pattern",
                present & ~raw.str.contains(info.pattern),
                {"pattern": info.pattern},
            )
        )
    if info.minimum is not None and kind == "text":  # pragma: no cover - no such field
        raise AssertionError(column)
    return cast.alias(column), checks


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
            problems.fatal("header", f"{state.name}:1:{position}", variant="twice", column=column)
        seen[column] = position
    missing = [c for c in schema if c not in seen]
    if missing:
        state.usable = False
        problems.fatal(
            "header", f"{state.name}:1", variant="lacks", columns=missing, column_list=", ".join(missing)
        )
    for column, position in seen.items():
        if column in schema:
            continue
        location = f"{state.name}:1:{position}"
        if column.startswith(spec.EXTENSION_PREFIX):
            problems.add(INFO, "extension_column", location, column=column)
        elif manifest_minor > int(spec.VERSION.split(".")[1]):
            problems.add(WARNING, "unknown_column", location, column=column)
        else:
            state.usable = False
            problems.fatal("header", location, variant="unknown", column=column)
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
        raise FormatError.of("not_csv", state.name, error=str(error).splitlines()[0]) from None
    state.rows = offset
    if state.structure and offset != state.structure.records:
        problems.fatal("csv_structure", state.name, found=offset, scanned=state.structure.records)


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
                f"{state.name}:{lines[row]}:{position}",
                column=check.column,
                check=check.check,
                value=_short(str(value)),
                variant=check.rule,
                **check.params,
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
            f"{state.name}:{first[0]}:{position}",
            count=count,
            row_count=count,
            column=column,
            lines=first,
            line_list=", ".join(map(str, first)) + (" ..." if count > len(first) else ""),
        )


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
    # The reader imports this module, so it is imported here, on use.
    from cpahub.ledgers.formats.cpahub_std import MANIFEST, Package, _PackageReader, _read_into

    problems = Problems(strict=False, cap=cap)
    ledger = canonical.InMemoryLedger()
    tables: dict[str, pl.DataFrame] = {}
    path = Path(path)
    try:
        package = Package(path)
    except FormatError as error:
        code = "manifest_missing" if "manifest" in str(error) else "package_unreadable"
        problems.add(ERROR, code, error.location or path.name, **refusal_data(error))
        return PackageReport(problems.issues, problems.totals)
    with package:
        reader = _PackageReader(package, problems, package_locations=True)
        try:
            _read_into(reader, ledger, keep=tables)
        except FormatError as error:
            code = (
                "manifest_unreadable" if (error.location or "").startswith(MANIFEST) else "package_unreadable"
            )
            problems.add(ERROR, code, error.location, **refusal_data(error))
            return PackageReport(problems.issues, problems.totals)
        usable = {name: s.usable for name, s in reader.states.items()}
    lines_ok = all(ok for name, ok in usable.items() if spec.file_table(name) == "lines")
    _check_keys(tables, problems)
    _check_references(tables, ledger, problems, lines_ok)
    report = PackageReport(problems.issues, problems.totals)
    if all(usable.values()):
        _ledger_checks(ledger, problems, report, cap, tables)
    else:
        problems.add(INFO, "ledger_checks_skipped")
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
                    f"{table}.csv:{row['line']}",
                    table=table,
                    values=values,
                    times=row["count"],
                )
    balances = tables.get("balances")
    if balances is not None and balances.height:
        half = balances.filter(pl.col("dimension_type").is_null() != pl.col("dimension_code").is_null())
        for row in half.head(problems.cap).iter_rows(named=True):
            problems.add(
                ERROR, "balance_dimension", f"balances.csv:{row['_line']}", account_code=row["account_code"]
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
                f"accounts.csv:{row['_line']}",
                variant="account_parent",
                column="parent_code",
                parent_code=row["parent_code"],
                code=row["code"],
            )
        wrong_level = linked.filter(
            (pl.col("parent_level").is_not_null() & (pl.col("level") != pl.col("parent_level") + 1))
            | (pl.col("parent_code").is_null() & (pl.col("level") != 1))
        )
        for row in wrong_level.head(problems.cap).iter_rows(named=True):
            problems.add(
                ERROR,
                "account_level",
                f"accounts.csv:{row['_line']}",
                code=row["code"],
                level=row["level"],
                parent_code=row["parent_code"] or "-",
                parent_level=row["parent_level"] or "-",
            )
        parents = accounts["parent_code"].drop_nulls().unique().implode()
        leaf_wrong = accounts.filter(pl.col("is_leaf") == pl.col("code").is_in(parents))
        for row in leaf_wrong.head(problems.cap).iter_rows(named=True):
            problems.add(
                WARNING,
                "account_leaf_flag",
                f"accounts.csv:{row['_line']}",
                variant="parent" if row["is_leaf"] else "leaf",
                code=row["code"],
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
                f"dimensions.csv:{row['_line']}",
                variant="dimension_parent",
                column="parent_code",
                parent_code=row["parent_code"],
                type=row["type"],
                code=row["code"],
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
                row["location"],
                variant="cash_flow_item",
                column="cash_flow_item",
                item=row["cash_flow_item"],
                lines=row["lines"],
            )
    both = lines.filter((pl.col("debit") != 0) & (pl.col("credit") != 0))
    if both.height:
        first = both.row(0, named=True)
        problems.add(
            WARNING, "debit_and_credit", first["source_location"], count=both.height, line_count=both.height
        )
