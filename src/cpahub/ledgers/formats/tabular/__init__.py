"""CSV and Excel exports of accounting software, read through a mapping profile.

A mapping profile (`MappingProfile`, or a built-in one from `profiles/*.json`) says which source
column holds which canonical field (`columns`: source header → field) and how the file is written
(`options`). The content of a profile is one of three kinds: voucher lines (序时账 / 凭证), account
balances (科目余额表) or a chart of accounts (会计科目).

Input: a CSV file (any encoding `core.textio` detects), an .xlsx workbook (every sheet is a table;
openpyxl read-only, zip-bomb guarded), or a folder or zip of such files — e.g. a journal and a
trial balance side by side. For each table the header row is searched in the first rows (title
rows above it are skipped) and every candidate profile is scored on it (`score()`: the share of the
table's headers the profile knows, then the share of the profile's fields the table has); the best
one is used and the choice is reported. When two profiles fit equally the read stops — the user
names one with the option `profile` (id, name or built-in slug); nothing is guessed silently.

Fields of voucher-line profiles: the canonical line columns (`canonical.LINES`) plus
    voucher        a combined 凭证字号 such as "记-12" (type 记, number 12)
    period_label   a period written as "2024.01", "2024年第1期", "202401" or "1"
    account_name   the account's name (used to build the chart when no chart is given)
    amount         one signed amount (debit positive); with `direction` an unsigned one
    direction      借/贷, D/C ... for `amount`
    fx_debit, fx_credit   foreign-currency amounts in two columns
    auxiliary      辅助核算 written in one cell, e.g. U8's "客户:001 某公司;部门:01 财务部"
    ignore         a known column that is not used
Balance profiles: account_code, account_name, currency, opening | opening_debit + opening_credit |
opening + opening_direction, debit, credit, closing (the same three ways), opening_fx, closing_fx,
opening_quantity, closing_quantity, dimension_type + dimension_code or auxiliary, ignore.
Chart profiles: account_code, account_name, level, parent_code, account_type (资产 负债 共同 权益 成本
损益 or the canonical names), normal_balance (借/贷), dimension_types (e.g. "客户/部门"), currency.

Options (profile options, overridden by the `options` given to `read`): see OPTIONS.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from cpahub.core import textio as coretext
from cpahub.ledgers import canonical
from cpahub.ledgers.formats import FormatError
from cpahub.ledgers.formats.messages import make_issue
from cpahub.ledgers.formats.tabular.mapping import _accounts, _balances, _lines
from cpahub.ledgers.formats.tabular.profiles import (
    FIELDS,
    FLAG_OPTIONS,
    HEADER_SEARCH_ROWS,
    INTERNAL_OPTIONS,
    KINDS,
    MIN_SCORE,
    OPTIONS,
    PROFILES_DIR,
    REQUIRED,
    Match,
    Profile,
    as_profile,
    available_profiles,
    best_match,
    builtin_profiles,
    check_profile,
    choose,
    combined_headers,
    resolve_profile,
    score,
)
from cpahub.ledgers.formats.tabular.tables import CSV_DELIMITERS, Table, _cell_text, _tables
from cpahub.ledgers.formats.textio import CellParser, derive_accounts, head_rows, option_flag

__all__ = [
    "FIELDS",
    "FORMAT",
    "KINDS",
    "LABEL",
    "OPTIONS",
    "PROFILES_DIR",
    "REQUIRED",
    "Match",
    "Profile",
    "Table",
    "_cell_text",
    "as_profile",
    "available_profiles",
    "best_match",
    "builtin_profiles",
    "check_profile",
    "choose",
    "combined_headers",
    "read",
    "read_table",
    "resolve_profile",
    "score",
    "sniff",
]

FORMAT = "tabular"
LABEL = "CSV or Excel export with a mapping profile"
SOURCE_FORMAT = "tabular"
BATCH_ROWS = 100_000


# --- reading --------------------------------------------------------------------------------------


def sniff(head: bytes, name: str) -> bool:
    """A workbook, or a CSV file whose header a built-in profile recognises."""
    if head.startswith(b"PK\x03\x04"):
        return b"xl/" in head or name.lower().endswith((".xlsx", ".xlsm"))
    try:
        decoded, _label = coretext.decode(head[: 32 * 1024].rsplit(b"\n", 1)[0] or head)
    except coretext.TextDecodeError:
        return False
    delimiter = coretext.sniff_delimiter(decoded, CSV_DELIMITERS)
    rows = head_rows(decoded, delimiter, limit=HEADER_SEARCH_ROWS + 2)
    for profile in builtin_profiles():
        match = best_match(profile, rows, {})
        if match is not None and not match.missing and match.score >= MIN_SCORE:
            return True
    return False


def read(path: Path, sink, *, options: dict | None = None, progress=None) -> None:
    """Read the tables of `path` into `sink`, each through its mapping profile.

    `options["profiles"]` lists the candidate profiles (MappingProfile objects, dicts or Profiles —
    the caller restricts them to what the user may see, e.g. `available_profiles(user)`); without it
    the built-in profiles are the candidates. `progress(fraction)` is called after each table.
    """
    options = dict(options or {})
    path = Path(path)
    candidates = [as_profile(p) for p in options.pop("profiles", None) or builtin_profiles()]
    for flag in FLAG_OPTIONS:
        if flag in options:
            options[flag] = option_flag(options[flag], False)
    unknown = sorted(set(options) - set(OPTIONS) - INTERNAL_OPTIONS)
    if unknown:
        sink.report(make_issue("warning", "options_unknown", path.name, options=", ".join(unknown)))
    results: dict[str, list] = {"lines": [], "balances": [], "accounts": []}
    dimensions: list[pl.DataFrame] = []
    names: dict[str, str] = {}
    software = set()
    with _tables(path, options, sink) as tables:
        total = sum(t.size for t in tables) or 1
        done = 0
        for table in tables:
            try:
                match = choose(table.rows, candidates, options, table.name, sink)
            except FormatError:
                if len(tables) == 1:
                    raise
                sink.report(make_issue("info", "table_ignored", table.name, name=table.name))
                continue
            software.add(match.profile.software)
            kind, frame, dims, account_names = read_table(table, match, options, sink)
            results[kind].append(frame)
            if dims is not None:
                dimensions.append(dims)
            for code, name in account_names.items():
                names.setdefault(code, name)
            done += table.size
            if progress is not None:
                progress(done / total)
    _finish(path, sink, results, dimensions, names, software, options)


def read_table(table: Table, match: Match, options: dict, sink, *, limit: int | None = None):
    """One table read through its matched profile: (kind, canonical frame, dimensions or None,
    account names by code). `limit` reads only the first data rows (a preview)."""
    profile = match.profile
    settings_ = {**profile.options, **{k: v for k, v in options.items() if k != "profile"}}
    names_in_use = _column_names(match.headers)
    frame = table.load(match.header_index + match.header_rows, names_in_use)
    if limit is not None:
        frame = frame.head(limit)
    mapped = {target: names_in_use[index] for target, index in match.mapping.items()}
    parser = CellParser(frame, table.name, sink=sink, options=settings_)
    parser.decimal_marks.update(dict.fromkeys(table.numeric, "."))
    if profile.kind == "lines":
        return ("lines", *_lines(parser, mapped, settings_))
    if profile.kind == "balances":
        return ("balances", *_balances(parser, mapped, settings_))
    return "accounts", _accounts(parser, mapped, settings_), None, {}


def _column_names(headers: list[str]) -> list[str]:
    """Unique, non-empty column names for the header texts."""
    names, seen = [], {}
    for index, header in enumerate(headers):
        base = header or f"column {index + 1}"
        seen[base] = seen.get(base, 0) + 1
        names.append(base if seen[base] == 1 else f"{base} ({seen[base]})")
    return names


def _finish(path: Path, sink, results, dimensions, names, software, options) -> None:
    local = options.get("currency") or "CNY"
    for kind in ("balances", "accounts"):
        if len(results[kind]) > 1:
            raise FormatError.of("several_tables", path.name, variant=kind)
    year, first, last = None, None, None
    line_codes: set[str] = set()
    for lines in results["lines"]:
        for offset in range(0, lines.height, BATCH_ROWS):
            sink.put_lines(lines.slice(offset, BATCH_ROWS))
        line_codes |= set(lines["account_code"].drop_nulls().unique().to_list())
        dates = lines["voucher_date"].drop_nulls()
        if dates.len():
            first = min(d for d in (first, dates.min()) if d is not None)
            last = max(d for d in (last, dates.max()) if d is not None)
    if results["lines"]:
        years = pl.concat([f.select("fiscal_year") for f in results["lines"]])["fiscal_year"].drop_nulls()
        year = years.mode().sort()[0] if years.len() else None
    if results["accounts"]:
        accounts = results["accounts"][0]
    else:
        codes = line_codes | (
            set(results["balances"][0]["account_code"].to_list()) if results["balances"] else set()
        )
        chart = options.get("chart", "cas")
        accounts = derive_accounts(sorted(codes), names, chart=None if chart == "none" else chart)
        if codes:
            sink.report(
                make_issue(
                    "info",
                    "accounts_derived",
                    path.name,
                    variant="tables_cas" if chart == "cas" else "tables",
                    count=len(codes),
                )
            )
    sink.put("accounts", accounts)
    if results["balances"]:
        sink.put("balances", results["balances"][0])
    frames = [d for d in dimensions if d.height]
    if frames:
        order = {kind: index for index, kind in enumerate(canonical.DIMENSION_TYPES)}
        dimensions_table = (
            pl.concat(frames, how="diagonal_relaxed")
            .unique(["type", "code"], keep="first", maintain_order=True)
            .sort(pl.col("type").replace_strict(order, default=len(order)), "code")
        )
        sink.put("dimensions", dimensions_table)
    sink.put(
        "entity",
        pl.DataFrame(
            {
                "name": [options.get("entity_name")],
                "credit_code": [options.get("credit_code")],
                "currency": [local],
                "fiscal_year": [year],
                "period_start": [first],
                "period_end": [last],
                "source_software": [" / ".join(sorted(s for s in software if s)) or None],
                "source_format": [SOURCE_FORMAT],
            },
            schema=canonical.ENTITY,
        ),
    )
