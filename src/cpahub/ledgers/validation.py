"""Validation of an imported ledger (STD-4): does it add up, do its codes resolve, is it complete?

`validate(source)` runs every check in `CHECKS` over a `LedgerSource` with Polars (group-bys and
joins over the lazy tables; nothing loops over voucher lines in Python) and returns a
`ValidationReport`: the findings as `canonical.Issue`s — each pointing at the file and line or
element of the first voucher line concerned (`source_location`) — and the outcome:

- any error → the import is refused;
- warnings only → accepted with warnings;
- otherwise → accepted.

At most `CAP` findings are kept per check (so that a bad 10-million-line file cannot produce 10
million rows); the report's `totals` always count all of them.

Messages are stored in English; `render_message(issue)` gives them in the user's language from the
issue's code and data (the templates below are marked for translation). The checks' templates and
the readers' (`formats.messages`) are one registry, `MESSAGES`, looked up by `message_template`;
`render_error(error)` does the same for a coded `FormatError` (a refused file).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

import polars as pl
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from cpahub.ledgers import canonical
from cpahub.ledgers.choices import SnapshotStatus
from cpahub.ledgers.formats.messages import MESSAGES, make_issue, message_template, register  # noqa: F401
from cpahub.ledgers.summary import account_summary

CAP = 1000
ERROR, WARNING, INFO = "error", "warning", "info"
VOUCHER_KEY = ["fiscal_year", "period", "voucher_type", "voucher_number"]
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Check:
    code: str
    severity: str
    title: object  # lazy translated text


# Every check the validator runs, in report order. docs/user-guide/ledgers.md lists them too.
CHECKS = [
    Check("unreadable", ERROR, _("The file could not be read")),
    Check("voucher_unbalanced", ERROR, _("Voucher does not balance")),
    Check("totals_unbalanced", ERROR, _("Total debit differs from total credit")),
    Check("negative_amount", INFO, _("Red-ink (negative) amount")),
    Check("duplicate_account", ERROR, _("Account code listed twice in the chart")),
    Check("unknown_account", ERROR, _("Unknown account code")),
    Check("balance_unknown_account", WARNING, _("Balance of an account not in the chart")),
    Check("balance_roll_forward", WARNING, _("Balance does not roll forward")),
    Check("tb_ledger_mismatch", WARNING, _("Trial balance does not tie to the voucher lines")),
    Check("parent_child_mismatch", WARNING, _("Parent account differs from the sum of its sub-accounts")),
    Check("tb_dimension_mismatch", WARNING, _("Auxiliary balance does not tie to the voucher lines")),
    Check("unknown_dimension", WARNING, _("Unknown auxiliary accounting code")),
    Check("dimension_without_master", WARNING, _("Auxiliary accounting codes without a master list")),
    Check("line_on_parent_account", WARNING, _("Lines posted to a parent (non-leaf) account")),
    Check("voucher_number_gap", WARNING, _("Gap in voucher numbers")),
    Check("voucher_number_duplicate", WARNING, _("Voucher number used twice")),
    Check("duplicate_line_number", WARNING, _("Line number repeated within a voucher")),
    Check("line_outside_entity_period", WARNING, _("Voucher outside the ledger's fiscal year")),
    Check("unknown_period", WARNING, _("Voucher in a period the ledger does not list")),
    Check("line_outside_period_dates", WARNING, _("Voucher dated outside its accounting period")),
    Check("voucher_partly_void", WARNING, _("Voucher partly marked void")),
    Check("no_lines", WARNING, _("The ledger has no voucher lines")),
    Check("void_voucher", INFO, _("Void voucher (excluded from the checks)")),
    Check("no_chart", INFO, _("No chart of accounts")),
    Check("no_balances", INFO, _("No account balances")),
]
CHECKS_BY_CODE = {check.code: check for check in CHECKS}

# Message templates (English; translated when shown). A key "code:variant" is used when the
# issue's data has a "variant". Registered into `formats.messages.MESSAGES` below.
CHECK_MESSAGES = {
    "unreadable": gettext_noop("The file could not be read: {error}"),
    "voucher_unbalanced": gettext_noop(
        "Voucher {voucher} does not balance: debit {debit}, credit {credit}, difference {difference}"
    ),
    "totals_unbalanced": gettext_noop(
        "Total debit {total_debit} differs from total credit {total_credit} by {difference}"
    ),
    "negative_amount": gettext_noop(
        "Red-ink (negative) amount on voucher {voucher} line {line_number}: debit {debit}, credit {credit}"
    ),
    "duplicate_account": gettext_noop(
        "Account code {account_code} appears {count} times in the chart of accounts"
    ),
    "unknown_account": gettext_noop(
        "Account {account_code} is not in the chart of accounts (lines: {lines})"
    ),
    "unknown_account:missing": gettext_noop("Voucher lines without an account code: {lines}"),
    "balance_unknown_account": gettext_noop(
        "The balances list account {account_code}, which is not in the chart of accounts"
    ),
    "balance_roll_forward": gettext_noop(
        "Balance of {item} does not roll forward: opening {opening} + debit {debit} − credit {credit} "
        "= {expected}, but closing is {closing}"
    ),
    "tb_ledger_mismatch": gettext_noop(
        "Account {account_code}: the balances show debit {balance_debit}, credit {balance_credit}; "
        "the voucher lines add up to debit {ledger_debit}, credit {ledger_credit}"
    ),
    "tb_ledger_mismatch:net": gettext_noop(
        "Account {account_code}: the balances move by {balance_net} (closing − opening); "
        "the voucher lines by {ledger_net}"
    ),
    "tb_ledger_mismatch:missing": gettext_noop(
        "Account {account_code} has voucher lines (debit {ledger_debit}, credit {ledger_credit}) "
        "but no balance"
    ),
    "parent_child_mismatch": gettext_noop(
        "Account {account_code}: {field} is {parent}, its sub-accounts add up to {children}"
    ),
    "tb_dimension_mismatch": gettext_noop(
        "Account {account_code}, {dimension_type} {dimension_code}: the balances show debit "
        "{balance_debit}, credit {balance_credit}; the voucher lines add up to debit {ledger_debit}, "
        "credit {ledger_credit}"
    ),
    "unknown_dimension": gettext_noop(
        "{dimension_type} code {dimension_code} is not in the master list (lines: {lines})"
    ),
    "unknown_dimension:balances": gettext_noop(
        "The balances use {dimension_type} code {dimension_code}, which is not in the master list"
    ),
    "dimension_without_master": gettext_noop(
        "Voucher lines use {dimension_type} codes, but the ledger has no {dimension_type} list "
        "(codes: {codes}, lines: {lines})"
    ),
    "line_on_parent_account": gettext_noop(
        "Account {account_code} has sub-accounts, but voucher lines are posted to it (lines: {lines})"
    ),
    "voucher_number_gap": gettext_noop(
        "Voucher numbers {first} to {last} ({missing}) are missing in {year}/{period:02d} type {voucher_type}"
    ),
    "voucher_number_gap:single": gettext_noop(
        "Voucher number {first} is missing in {year}/{period:02d} type {voucher_type}"
    ),
    "voucher_number_duplicate": gettext_noop(
        "Voucher number {voucher_number} is used by {count} vouchers ({numbers})"
    ),
    "voucher_number_duplicate:dates": gettext_noop(
        "Voucher {voucher} has lines with different dates ({first_date} to {last_date})"
    ),
    "duplicate_line_number": gettext_noop("Voucher {voucher} repeats line numbers (repeated: {repeated})"),
    "line_outside_entity_period": gettext_noop(
        "Voucher {voucher} dated {first_date} to {last_date} lies outside the ledger's period "
        "{period_start} to {period_end} (fiscal year {entity_year})"
    ),
    "unknown_period": gettext_noop(
        "Period {year}/{period:02d} is not in the ledger's list of periods (vouchers: {vouchers})"
    ),
    "line_outside_period_dates": gettext_noop(
        "Voucher {voucher} dated {first_date} to {last_date} lies outside its period {start} to {end}"
    ),
    "voucher_partly_void": gettext_noop(
        "Voucher {voucher}: {void_lines} of {lines} lines are marked void; the whole voucher is treated as void"
    ),
    "no_lines": gettext_noop("The ledger has no voucher lines"),
    "void_voucher": gettext_noop("Voucher {voucher} is void (debit {debit}, credit {credit})"),
    "no_chart": gettext_noop(
        "The ledger has no chart of accounts: account codes cannot be checked, and an account is taken as "
        "a parent when another account's code begins with its code"
    ),
    "no_balances": gettext_noop(
        "The ledger has no account balances: the balance and trial-balance checks were skipped"
    ),
}


register(CHECK_MESSAGES)


def _render(code: str, data: dict, fallback: str, translate: bool) -> str:
    """`code`'s template filled with `data`, translated when asked; `fallback` when none fits."""
    template = message_template(code, data)
    if template is None:
        return fallback
    values = dict(data)
    cause = data.get("cause")
    if isinstance(cause, dict) and cause.get("code"):  # a refusal reported as a finding
        values["error"] = _render_refusal(
            cause["code"],
            cause.get("data") or {},
            cause.get("location") or "",
            data.get("error", ""),
            translate,
        )
    try:
        return (gettext(template) if translate else template).format(**values)
    except (KeyError, ValueError, IndexError, TypeError):
        return fallback


def _render_refusal(code: str, data: dict, location: str, fallback: str, translate: bool) -> str:
    if not code:
        return fallback
    text = _render(code, data, "", translate)
    if not text:
        return fallback
    return f"{location}: {text}" if location else text


def render_message(issue, translate: bool = True) -> str:
    """The issue's message in the active language (its stored English text when no template fits)."""
    return _render(issue.code, issue.data or {}, issue.message, translate)


def render_error(error, translate: bool = True) -> str:
    """A FormatError (or any exception) as the user reads it: a coded FormatError in the active
    language, with its location in front; anything else as its text."""
    return _render_refusal(
        getattr(error, "code", ""),
        getattr(error, "data", None) or {},
        getattr(error, "location", "") or "",
        str(error),
        translate,
    )


class Findings:
    """Issues collected per check, at most `cap` kept per (severity, code), all of them counted."""

    def __init__(self, cap: int = CAP):
        self.cap = cap
        self.issues: list[canonical.Issue] = []
        self.totals: Counter = Counter()  # (severity, code) -> number of findings
        self._kept: Counter = Counter()

    def add_issue(self, issue: canonical.Issue, count: int = 1) -> None:
        key = (issue.severity, issue.code)
        self.totals[key] += count
        if self._kept[key] < self.cap:
            self._kept[key] += 1
            self.issues.append(issue)

    def kept(self, severity: str, code: str) -> int:
        return self._kept[(severity, code)]

    def add(self, severity: str, code: str, location: str = "", /, **data) -> None:
        self.add_issue(make_issue(severity, code, location, **data))

    def add_rows(
        self, severity: str, code: str, frame: pl.DataFrame, build, total: int | None = None
    ) -> None:
        """One finding per row of `frame` (only the first rows up to the cap are turned into issues)."""
        key = (severity, code)
        total = frame.height if total is None else total
        room = max(self.cap - self._kept[key], 0)
        for row in frame.head(room).iter_rows(named=True):
            location, data = build(row)
            self.issues.append(make_issue(severity, code, location, **data))
            self._kept[key] += 1
        if total:
            self.totals[key] += total

    def merge(self, other: Findings) -> None:
        for issue in other.issues:
            key = (issue.severity, issue.code)
            if self._kept[key] < self.cap:
                self._kept[key] += 1
                self.issues.append(issue)
        self.totals.update(other.totals)

    def count(self, severity: str) -> int:
        return sum(n for (sev, _code), n in self.totals.items() if sev == severity)


@dataclass
class ValidationReport:
    findings: Findings
    line_count: int = 0
    voucher_count: int = 0
    account_count: int = 0
    total_debit: Decimal = ZERO  # non-void lines
    total_credit: Decimal = ZERO
    entity: dict = field(default_factory=dict)
    accounts: pl.DataFrame | None = None  # the per-account summary (`summary.account_summary`)

    @property
    def issues(self) -> list[canonical.Issue]:
        return self.findings.issues

    @property
    def totals(self) -> Counter:
        return self.findings.totals

    @property
    def error_count(self) -> int:
        return self.findings.count(ERROR)

    @property
    def warning_count(self) -> int:
        return self.findings.count(WARNING)

    @property
    def outcome(self) -> str:
        if self.error_count:
            return SnapshotStatus.REFUSED
        if self.warning_count:
            return SnapshotStatus.ACCEPTED_WITH_WARNINGS
        return SnapshotStatus.ACCEPTED

    def codes(self, severity: str | None = None) -> dict[str, int]:
        """Findings per check code (optionally of one severity), in check order."""
        order = {check.code: i for i, check in enumerate(CHECKS)}
        selected = [(code, n) for (sev, code), n in self.totals.items() if severity in (None, sev)]
        return dict(sorted(selected, key=lambda item: (order.get(item[0], len(order)), item[0])))


# --------------------------------------------------------------------------------------------------
# helpers


def _voucher_label(row: dict) -> str:
    period = row.get("period")
    period_text = f"{period:02d}" if isinstance(period, int) else "?"
    kind = row.get("voucher_type")
    number = row.get("voucher_number")
    head = f"{kind}-{number}" if kind else f"{number}"
    return f"{head} ({row.get('fiscal_year')}/{period_text})"


def _voucher_data(row: dict) -> dict:
    return {
        "voucher": _voucher_label(row),
        "fiscal_year": row.get("fiscal_year"),
        "period": row.get("period"),
        "voucher_type": row.get("voucher_type"),
        "voucher_number": row.get("voucher_number"),
    }


def _voucher_location(row: dict) -> str:
    return row.get("location") or f"voucher {_voucher_label(row)}"


def _null_safe_sum(name: str) -> pl.Expr:
    """Sum that stays null when every value is null (an unknown amount is not zero)."""
    return pl.when(pl.col(name).is_not_null().any()).then(pl.col(name).sum()).otherwise(None).alias(name)


def _first_row(frame: pl.DataFrame) -> dict:
    return frame.row(0, named=True) if frame.height else {}


class _Ledger:
    """The source's tables, prepared once for all checks.

    Aggregates carry `first_row` (the row number of their first voucher line in file order); the
    `source_location` of a finding is looked up only for the findings kept (`add_rows`).
    """

    def __init__(self, source):
        self.raw_lines = source.lazy("lines")
        base = self.raw_lines.with_row_index("row").with_columns(
            pl.col("debit").fill_null(0),
            pl.col("credit").fill_null(0),
            void_line=pl.col("void").fill_null(False),
        )
        self.accounts = source.lazy("accounts").collect()
        self.dimensions = source.lazy("dimensions").collect()
        self.balances = source.lazy("balances").collect()
        self.periods = source.lazy("periods").collect()
        self.entity = _first_row(source.lazy("entity").collect())

        self.vouchers = (
            base.group_by(VOUCHER_KEY)
            .agg(
                debit=pl.col("debit").sum(),
                credit=pl.col("credit").sum(),
                lines=pl.len(),
                void=pl.col("void_line").any(),
                void_lines=pl.col("void_line").sum(),
                first_date=pl.col("voucher_date").min(),
                last_date=pl.col("voucher_date").max(),
                repeated=pl.col("line_number").drop_nulls().len()
                - pl.col("line_number").drop_nulls().n_unique(),
                first_row=pl.col("row").min(),
            )
            .sort("first_row")  # file order
            .collect()
        )
        # A voucher is void when any of its lines says so: `void` on every line is that
        # voucher-level flag (the line's own flag stays in `void_line`).
        void_keys = self.vouchers.filter(pl.col("void")).select(VOUCHER_KEY)
        if void_keys.height:
            self.lines = (
                base.drop("void")
                .join(
                    void_keys.lazy().with_columns(void=pl.lit(True)),
                    on=VOUCHER_KEY,
                    how="left",
                    nulls_equal=True,
                )
                .with_columns(pl.col("void").fill_null(False))
            )
        else:
            self.lines = base.with_columns(void=pl.lit(False))
        not_void = ~pl.col("void")
        self.by_account = (
            self.lines.group_by("account_code")
            .agg(
                lines=pl.len(),
                debit=pl.col("debit").filter(not_void).sum(),
                credit=pl.col("credit").filter(not_void).sum(),
                first_row=pl.col("row").min(),
            )
            .sort("account_code", nulls_last=True)
            .collect()
        )
        self.line_count = int(self.vouchers["lines"].sum()) if self.vouchers.height else 0

        # Account-level balances (no dimension, local currency), one row per account.
        self.account_balances = (
            self.balances.filter(pl.col("dimension_type").is_null() & pl.col("currency").is_null())
            .group_by("account_code")
            .agg(*(_null_safe_sum(c) for c in ("opening", "debit", "credit", "closing")))
            .sort("account_code")
        )
        self.leaves = self._leaf_codes()

    def _leaf_codes(self) -> pl.DataFrame:
        """Codes of leaf accounts: from the chart, or (without one) by code prefixes."""
        if self.accounts.height:
            parents = self.accounts["parent_code"].drop_nulls().unique()
            return self.accounts.filter(
                ~pl.col("code").is_in(parents.implode()) & pl.col("is_leaf").fill_null(True)
            ).select(account_code=pl.col("code"))
        codes = (
            pl.concat([self.by_account.select("account_code"), self.account_balances.select("account_code")])
            .drop_nulls()
            .unique()
            .sort("account_code")
        )
        following = pl.col("account_code").shift(-1)
        return codes.filter(~(following.str.starts_with(pl.col("account_code")).fill_null(False)))

    def locate(self, frame: pl.DataFrame, *, voucher_lines: bool = False) -> pl.DataFrame:
        """`frame` with `location` (of its `first_row`) and, if asked, each voucher's first five
        line locations in `locations`."""
        if "first_row" in frame.columns:
            rows = frame["first_row"].drop_nulls()
            found = (
                self.lines.filter(pl.col("row").is_in(rows.implode()))
                .select(first_row="row", location="source_location")
                .collect()
                if rows.len()
                else pl.DataFrame(schema={"first_row": pl.UInt32, "location": pl.Utf8})
            )
            frame = frame.join(found, on="first_row", how="left", maintain_order="left")
        if voucher_lines:
            keys = frame.select(VOUCHER_KEY).unique()
            locations = (
                self.lines.join(keys.lazy(), on=VOUCHER_KEY, how="semi", nulls_equal=True)
                .sort("row")
                .group_by(VOUCHER_KEY, maintain_order=True)
                .agg(locations=pl.col("source_location").drop_nulls().head(5))
                .collect()
            )
            frame = frame.join(locations, on=VOUCHER_KEY, how="left", nulls_equal=True, maintain_order="left")
        return frame

    def add_rows(
        self, findings: Findings, severity: str, code: str, frame: pl.DataFrame, build, *, voucher_lines=False
    ) -> None:
        """`findings.add_rows` for an aggregate with `first_row`: locations of the kept rows only."""
        if not frame.height:
            return
        room = max(findings.cap - findings.kept(severity, code), 0)
        kept = self.locate(frame.head(room), voucher_lines=voucher_lines) if room else frame.head(0)
        findings.add_rows(severity, code, kept, build, total=frame.height)


# --------------------------------------------------------------------------------------------------
# the checks


def check_vouchers(ledger: _Ledger, findings: Findings) -> None:
    vouchers = ledger.vouchers
    if ledger.line_count == 0:
        findings.add(WARNING, "no_lines")
        return
    live = vouchers.filter(~pl.col("void"))
    unbalanced = live.filter(pl.col("debit") != pl.col("credit"))
    ledger.add_rows(
        findings,
        ERROR,
        "voucher_unbalanced",
        unbalanced,
        lambda r: (
            _voucher_location(r),
            {
                **_voucher_data(r),
                "debit": r["debit"],
                "credit": r["credit"],
                "difference": r["debit"] - r["credit"],
                "lines": r["lines"],
                "locations": r["locations"],
            },
        ),
        voucher_lines=True,
    )
    total_debit = live["debit"].sum() if live.height else ZERO
    total_credit = live["credit"].sum() if live.height else ZERO
    if total_debit != total_credit:
        findings.add(
            ERROR,
            "totals_unbalanced",
            total_debit=total_debit,
            total_credit=total_credit,
            difference=total_debit - total_credit,
        )
    void = vouchers.filter(pl.col("void"))
    ledger.add_rows(
        findings,
        WARNING,
        "voucher_partly_void",
        void.filter(pl.col("void_lines") < pl.col("lines")),
        lambda r: (
            _voucher_location(r),
            {**_voucher_data(r), "void_lines": r["void_lines"], "lines": r["lines"]},
        ),
    )
    ledger.add_rows(
        findings,
        INFO,
        "void_voucher",
        void,
        lambda r: (_voucher_location(r), {**_voucher_data(r), "debit": r["debit"], "credit": r["credit"]}),
    )


def check_negative_amounts(ledger: _Ledger, findings: Findings) -> None:
    negative = ledger.raw_lines.filter((pl.col("debit") < 0) | (pl.col("credit") < 0))
    total = negative.select(pl.len()).collect().item()
    if not total:
        return
    rows = negative.head(findings.cap).collect()
    findings.add_rows(
        INFO,
        "negative_amount",
        rows,
        lambda r: (
            r["source_location"] or f"voucher {_voucher_label(r)}",
            {
                **_voucher_data(r),
                "line_number": r["line_number"],
                "account_code": r["account_code"],
                "debit": r["debit"],
                "credit": r["credit"],
            },
        ),
        total=total,
    )


def _account_lines(r: dict) -> tuple[str, dict]:
    return (
        r["location"] or f"account {r['account_code']}",
        {"account_code": r["account_code"], "lines": r["lines"]},
    )


def check_accounts(ledger: _Ledger, findings: Findings) -> None:
    chart = ledger.accounts
    used = ledger.by_account
    ledger.add_rows(
        findings,
        ERROR,
        "unknown_account",
        used.filter(pl.col("account_code").is_null()),
        lambda r: (r["location"] or "", {"variant": "missing", "account_code": None, "lines": r["lines"]}),
    )
    if not chart.height:
        findings.add(INFO, "no_chart")
        return
    duplicated = chart.group_by("code").agg(count=pl.len()).filter(pl.col("count") > 1).sort("code")
    findings.add_rows(
        ERROR,
        "duplicate_account",
        duplicated,
        lambda r: (f"accounts: {r['code']}", {"account_code": r["code"], "count": r["count"]}),
    )
    codes = chart.select(account_code=pl.col("code")).unique()
    unknown = used.filter(pl.col("account_code").is_not_null()).join(codes, on="account_code", how="anti")
    ledger.add_rows(findings, ERROR, "unknown_account", unknown.sort("account_code"), _account_lines)
    in_balances = ledger.balances.select("account_code").drop_nulls().unique()
    findings.add_rows(
        WARNING,
        "balance_unknown_account",
        in_balances.join(codes, on="account_code", how="anti").sort("account_code"),
        lambda r: (f"balances: {r['account_code']}", {"account_code": r["account_code"]}),
    )
    parents = codes.join(ledger.leaves, on="account_code", how="anti")
    on_parents = used.join(parents, on="account_code", how="semi").sort("account_code")
    ledger.add_rows(findings, WARNING, "line_on_parent_account", on_parents, _account_lines)


def _dimension_uses(ledger: _Ledger) -> pl.DataFrame:
    """(dimension_type, dimension_code, lines, first_row) for every dimension code on the lines."""
    columns = list(canonical.DIMENSION_LINE_COLUMNS)
    dedicated = (
        ledger.lines.select([*columns, "row"])
        .unpivot(on=columns, index="row", variable_name="dimension_type", value_name="dimension_code")
        .filter(pl.col("dimension_code").is_not_null())
    )
    other = (
        ledger.lines.select("other_dimensions", "row")
        .filter(pl.col("other_dimensions").is_not_null())
        .with_columns(pl.col("other_dimensions").str.split(";"))
        .explode("other_dimensions")
        .filter(pl.col("other_dimensions").str.strip_chars() != "")
        .with_columns(
            pl.col("other_dimensions")
            .str.splitn(":", 2)
            .struct.rename_fields(["dimension_type", "dimension_code"])
        )
        .unnest("other_dimensions")
        .with_columns(pl.col("dimension_type").str.strip_chars(), pl.col("dimension_code").str.strip_chars())
        .select("row", "dimension_type", "dimension_code")
    )
    return (
        pl.concat([dedicated.select("row", "dimension_type", "dimension_code"), other])
        .group_by("dimension_type", "dimension_code")
        .agg(lines=pl.len(), first_row=pl.col("row").min())
        .sort("dimension_type", "dimension_code", nulls_last=True)
        .collect()
    )


def check_dimensions(ledger: _Ledger, findings: Findings) -> None:
    uses = _dimension_uses(ledger)
    master = ledger.dimensions.select(dimension_type=pl.col("type"), dimension_code=pl.col("code")).unique()
    known_types = master.select("dimension_type").unique()
    without = (
        uses.join(known_types, on="dimension_type", how="anti")
        .group_by("dimension_type")
        .agg(codes=pl.len(), lines=pl.col("lines").sum(), first_row=pl.col("first_row").min())
        .sort("dimension_type", nulls_last=True)
    )
    ledger.add_rows(
        findings,
        WARNING,
        "dimension_without_master",
        without,
        lambda r: (
            r["location"] or "",
            {"dimension_type": r["dimension_type"], "codes": r["codes"], "lines": r["lines"]},
        ),
    )
    unknown = uses.join(known_types, on="dimension_type", how="semi").join(
        master, on=["dimension_type", "dimension_code"], how="anti"
    )
    ledger.add_rows(
        findings,
        WARNING,
        "unknown_dimension",
        unknown.sort("dimension_type", "dimension_code", nulls_last=True),
        lambda r: (
            r["location"] or "",
            {
                "dimension_type": r["dimension_type"],
                "dimension_code": r["dimension_code"],
                "lines": r["lines"],
            },
        ),
    )
    in_balances = (
        ledger.balances.filter(pl.col("dimension_type").is_not_null())
        .select("dimension_type", "dimension_code")
        .unique()
        .join(known_types, on="dimension_type", how="semi")
        .join(master, on=["dimension_type", "dimension_code"], how="anti")
        .sort("dimension_type", "dimension_code", nulls_last=True)
    )
    findings.add_rows(
        WARNING,
        "unknown_dimension",
        in_balances,
        lambda r: (
            f"balances: {r['dimension_type']} {r['dimension_code']}",
            {
                "variant": "balances",
                "dimension_type": r["dimension_type"],
                "dimension_code": r["dimension_code"],
            },
        ),
    )


def check_voucher_numbers(ledger: _Ledger, findings: Findings) -> None:
    group = ["fiscal_year", "period", "voucher_type"]
    numbered = (
        ledger.vouchers.lazy()
        .select(*VOUCHER_KEY, "first_row")
        .with_columns(number=pl.col("voucher_number").str.strip_chars().cast(pl.Int64, strict=False))
        .filter(pl.col("number").is_not_null() & pl.col("voucher_number").str.contains(r"^\s*\d+\s*$"))
        .sort([*group, "number", "first_row"], nulls_last=True)
        .collect()
    )
    same_group = pl.all_horizontal(pl.col(c).eq_missing(pl.col(c).shift(1)) for c in group)
    steps = numbered.with_columns(
        previous=pl.when(same_group).then(pl.col("number").shift(1)).otherwise(None),
        next_same=pl.when(pl.all_horizontal(pl.col(c).eq_missing(pl.col(c).shift(-1)) for c in group))
        .then(pl.col("number").shift(-1))
        .otherwise(None),
    )
    # Voucher numbers that differ as text but not as numbers ("7" and "007").
    repeated = steps.filter(
        (pl.col("number") == pl.col("previous")) | (pl.col("number") == pl.col("next_same"))
    )
    same_number = (
        repeated.group_by([*group, "number"])
        .agg(count=pl.len(), numbers=pl.col("voucher_number").sort(), first_row=pl.col("first_row").min())
        .sort("first_row")
    )
    ledger.add_rows(
        findings,
        WARNING,
        "voucher_number_duplicate",
        same_number,
        lambda r: (
            r["location"] or "",
            {
                **_voucher_data({**r, "voucher_number": str(r["number"])}),
                "count": r["count"],
                "numbers": ", ".join(r["numbers"]),
            },
        ),
    )
    several_dates = ledger.vouchers.filter(pl.col("first_date") != pl.col("last_date"))
    ledger.add_rows(
        findings,
        WARNING,
        "voucher_number_duplicate",
        several_dates,
        lambda r: (
            _voucher_location(r),
            {
                "variant": "dates",
                **_voucher_data(r),
                "first_date": r["first_date"],
                "last_date": r["last_date"],
                "locations": r["locations"],
            },
        ),
        voucher_lines=True,
    )
    ledger.add_rows(
        findings,
        WARNING,
        "duplicate_line_number",
        ledger.vouchers.filter(pl.col("repeated") > 0),
        lambda r: (_voucher_location(r), {**_voucher_data(r), "repeated": r["repeated"]}),
    )
    gaps = steps.filter(pl.col("number") - pl.col("previous") > 1)
    ledger.add_rows(
        findings,
        WARNING,
        "voucher_number_gap",
        gaps,
        lambda r: (
            r["location"] or "",
            {
                **({"variant": "single"} if r["number"] - r["previous"] == 2 else {}),
                "year": r["fiscal_year"],
                "period": r["period"],
                "voucher_type": r["voucher_type"],
                "first": r["previous"] + 1,
                "last": r["number"] - 1,
                "missing": r["number"] - r["previous"] - 1,
                "after": r["previous"],
            },
        ),
    )


def check_periods(ledger: _Ledger, findings: Findings) -> None:
    vouchers = ledger.vouchers
    entity = ledger.entity
    start, end, year = entity.get("period_start"), entity.get("period_end"), entity.get("fiscal_year")
    if start or end or year:
        outside = pl.lit(False)
        if start:
            outside = outside | (pl.col("first_date") < start).fill_null(False)
        if end:
            outside = outside | (pl.col("last_date") > end).fill_null(False)
        if year:
            outside = outside | (pl.col("fiscal_year") != year).fill_null(False)
        ledger.add_rows(
            findings,
            WARNING,
            "line_outside_entity_period",
            vouchers.filter(outside),
            lambda r: (
                _voucher_location(r),
                {
                    **_voucher_data(r),
                    "first_date": r["first_date"],
                    "last_date": r["last_date"],
                    "period_start": start,
                    "period_end": end,
                    "entity_year": year,
                },
            ),
        )
    periods = ledger.periods.unique(["fiscal_year", "period"], keep="first")
    if not periods.height:
        return
    unknown = (
        vouchers.join(periods, on=["fiscal_year", "period"], how="anti")
        .group_by("fiscal_year", "period")
        .agg(vouchers=pl.len(), first_row=pl.col("first_row").min())
        .sort("fiscal_year", "period", nulls_last=True)
    )
    ledger.add_rows(
        findings,
        WARNING,
        "unknown_period",
        unknown,
        lambda r: (
            r["location"] or "",
            {"year": r["fiscal_year"], "period": r["period"], "vouchers": r["vouchers"]},
        ),
    )
    dated = vouchers.join(periods, on=["fiscal_year", "period"], how="inner")
    outside = dated.filter(
        (pl.col("first_date") < pl.col("start")).fill_null(False)
        | (pl.col("last_date") > pl.col("end")).fill_null(False)
    ).sort("first_row")
    ledger.add_rows(
        findings,
        WARNING,
        "line_outside_period_dates",
        outside,
        lambda r: (
            _voucher_location(r),
            {
                **_voucher_data(r),
                "first_date": r["first_date"],
                "last_date": r["last_date"],
                "start": r["start"],
                "end": r["end"],
            },
        ),
    )


def _balance_item(row: dict) -> str:
    item = f"account {row['account_code']}"
    if row.get("dimension_type"):
        item += f", {row['dimension_type']} {row['dimension_code']}"
    if row.get("currency"):
        item += f", {row['currency']}"
    return item


def check_balances(ledger: _Ledger, findings: Findings) -> None:
    balances = ledger.balances
    if not balances.height:
        findings.add(INFO, "no_balances")
        return
    complete = pl.all_horizontal(pl.col(c).is_not_null() for c in ("opening", "debit", "credit", "closing"))
    broken = (
        balances.filter(complete)
        .with_columns(expected=pl.col("opening") + pl.col("debit") - pl.col("credit"))
        .filter(pl.col("expected") != pl.col("closing"))
    )
    findings.add_rows(
        WARNING,
        "balance_roll_forward",
        broken,
        lambda r: (
            f"balances: {_balance_item(r)}",
            {
                "item": _balance_item(r),
                "account_code": r["account_code"],
                "dimension_type": r["dimension_type"],
                "dimension_code": r["dimension_code"],
                "currency": r["currency"],
                "opening": r["opening"],
                "debit": r["debit"],
                "credit": r["credit"],
                "closing": r["closing"],
                "expected": r["expected"],
                "difference": r["closing"] - r["expected"],
            },
        ),
    )
    _check_trial_balance(ledger, findings)
    _check_dimension_balances(ledger, findings)
    _check_parents(ledger, findings)


def _check_trial_balance(ledger: _Ledger, findings: Findings) -> None:
    account_level = ledger.account_balances
    if not account_level.height:
        return
    ledger_sums = ledger.by_account.filter(pl.col("account_code").is_not_null()).select(
        "account_code", "first_row", ledger_debit=pl.col("debit"), ledger_credit=pl.col("credit")
    )
    joined = (
        ledger.leaves.join(account_level, on="account_code", how="left")
        .join(ledger_sums, on="account_code", how="left")
        .with_columns(
            has_balance=pl.col("account_code").is_in(account_level["account_code"].implode()),
            ledger_debit=pl.col("ledger_debit").fill_null(0),
            ledger_credit=pl.col("ledger_credit").fill_null(0),
        )
        .sort("account_code")
    )
    movements = pl.col("debit").is_not_null() & pl.col("credit").is_not_null()
    net_known = ~movements & pl.col("opening").is_not_null() & pl.col("closing").is_not_null()
    by_movements = joined.filter(
        pl.col("has_balance")
        & movements
        & ((pl.col("debit") != pl.col("ledger_debit")) | (pl.col("credit") != pl.col("ledger_credit")))
    )
    by_net = joined.filter(
        pl.col("has_balance")
        & net_known
        & ((pl.col("closing") - pl.col("opening")) != (pl.col("ledger_debit") - pl.col("ledger_credit")))
    )
    missing = joined.filter(
        ~pl.col("has_balance") & ((pl.col("ledger_debit") != 0) | (pl.col("ledger_credit") != 0))
    )

    def location(r):
        return r["location"] or f"balances: {r['account_code']}"

    ledger.add_rows(
        findings,
        WARNING,
        "tb_ledger_mismatch",
        by_movements,
        lambda r: (
            location(r),
            {
                "account_code": r["account_code"],
                "balance_debit": r["debit"],
                "balance_credit": r["credit"],
                "ledger_debit": r["ledger_debit"],
                "ledger_credit": r["ledger_credit"],
            },
        ),
    )
    ledger.add_rows(
        findings,
        WARNING,
        "tb_ledger_mismatch",
        by_net,
        lambda r: (
            location(r),
            {
                "variant": "net",
                "account_code": r["account_code"],
                "opening": r["opening"],
                "closing": r["closing"],
                "balance_net": r["closing"] - r["opening"],
                "ledger_net": r["ledger_debit"] - r["ledger_credit"],
                "ledger_debit": r["ledger_debit"],
                "ledger_credit": r["ledger_credit"],
            },
        ),
    )
    ledger.add_rows(
        findings,
        WARNING,
        "tb_ledger_mismatch",
        missing,
        lambda r: (
            location(r),
            {
                "variant": "missing",
                "account_code": r["account_code"],
                "ledger_debit": r["ledger_debit"],
                "ledger_credit": r["ledger_credit"],
            },
        ),
    )


def _check_dimension_balances(ledger: _Ledger, findings: Findings) -> None:
    rows = ledger.balances.filter(
        pl.col("dimension_type").is_in(list(canonical.DIMENSION_LINE_COLUMNS))
        & pl.col("currency").is_null()
        & pl.col("debit").is_not_null()
        & pl.col("credit").is_not_null()
    )
    if not rows.height:
        return
    kinds = rows["dimension_type"].unique().sort().to_list()
    not_void = ~pl.col("void")
    sums = [
        ledger.lines.filter(not_void & pl.col(kind).is_not_null())
        .group_by("account_code", kind)
        .agg(
            ledger_debit=pl.col("debit").sum(),
            ledger_credit=pl.col("credit").sum(),
            first_row=pl.col("row").min(),
        )
        .select(
            "account_code",
            pl.lit(kind).alias("dimension_type"),
            pl.col(kind).alias("dimension_code"),
            "ledger_debit",
            "ledger_credit",
            "first_row",
        )
        for kind in kinds  # at most the six dimension columns
    ]
    ledger_sums = pl.concat(sums).collect()
    balance_sums = rows.group_by("account_code", "dimension_type", "dimension_code").agg(
        pl.col("debit").sum(), pl.col("credit").sum()
    )
    key = ["account_code", "dimension_type", "dimension_code"]
    # Lines of a dimension kind whose account keeps no balances of that kind are not compared.
    accounts_with_kind = rows.select("account_code", "dimension_type").unique()
    joined = (
        balance_sums.join(ledger_sums, on=key, how="full", coalesce=True)
        .join(accounts_with_kind, on=["account_code", "dimension_type"], how="semi")
        .with_columns(
            pl.col("debit").fill_null(0),
            pl.col("credit").fill_null(0),
            pl.col("ledger_debit").fill_null(0),
            pl.col("ledger_credit").fill_null(0),
        )
        .filter((pl.col("debit") != pl.col("ledger_debit")) | (pl.col("credit") != pl.col("ledger_credit")))
        .sort(key, nulls_last=True)
    )
    ledger.add_rows(
        findings,
        WARNING,
        "tb_dimension_mismatch",
        joined,
        lambda r: (
            r["location"] or f"balances: account {r['account_code']}",
            {
                "account_code": r["account_code"],
                "dimension_type": r["dimension_type"],
                "dimension_code": r["dimension_code"],
                "balance_debit": r["debit"],
                "balance_credit": r["credit"],
                "ledger_debit": r["ledger_debit"],
                "ledger_credit": r["ledger_credit"],
            },
        ),
    )


def _check_parents(ledger: _Ledger, findings: Findings) -> None:
    chart = ledger.accounts
    balances = ledger.account_balances
    if not chart.height or not balances.height:
        return
    fields = ("opening", "debit", "credit", "closing")
    children = (
        chart.filter(pl.col("parent_code").is_not_null())
        .select(account_code=pl.col("code"), parent=pl.col("parent_code"))
        .unique("account_code")
        .join(balances, on="account_code", how="inner")
        .group_by("parent")
        .agg(*(_null_safe_sum(f) for f in fields))
        .rename({f: f"children_{f}" for f in fields})
        .rename({"parent": "account_code"})
    )
    compared = balances.join(children, on="account_code", how="inner").sort("account_code")
    differences = [
        compared.filter(
            pl.col(name).is_not_null()
            & pl.col(f"children_{name}").is_not_null()
            & (pl.col(name) != pl.col(f"children_{name}"))
        ).select(
            "account_code",
            pl.lit(name).alias("field"),
            pl.col(name).alias("parent"),
            pl.col(f"children_{name}").alias("children"),
            pl.lit(order, pl.Int32).alias("order"),
        )
        for order, name in enumerate(fields)  # four fields, not rows
    ]
    found = pl.concat(differences).sort("account_code", "order")
    findings.add_rows(
        WARNING,
        "parent_child_mismatch",
        found,
        lambda r: (
            f"balances: {r['account_code']}",
            {
                "account_code": r["account_code"],
                "field": r["field"],
                "parent": r["parent"],
                "children": r["children"],
                "difference": r["parent"] - r["children"],
            },
        ),
    )


CHECK_FUNCTIONS = (
    check_vouchers,
    check_negative_amounts,
    check_accounts,
    check_balances,
    check_dimensions,
    check_voucher_numbers,
    check_periods,
)


def validate(source, *, reported: Findings | None = None, cap: int = CAP) -> ValidationReport:
    """Run every check over `source`; `reported` holds what the reader noticed while reading."""
    findings = Findings(cap)
    if reported is not None:
        findings.merge(reported)
    ledger = _Ledger(source)
    for check in CHECK_FUNCTIONS:
        check(ledger, findings)
    live = ledger.vouchers.filter(~pl.col("void"))
    if ledger.accounts.height:
        account_count = ledger.accounts["code"].n_unique()
    else:
        account_count = (
            pl.concat(
                [ledger.by_account.select("account_code"), ledger.account_balances.select("account_code")]
            )
            .drop_nulls()
            .n_unique()
        )
    return ValidationReport(
        findings=findings,
        line_count=ledger.line_count,
        voucher_count=ledger.vouchers.height,
        account_count=account_count,
        total_debit=live["debit"].sum() if live.height else ZERO,
        total_credit=live["credit"].sum() if live.height else ZERO,
        entity=entity_facts(ledger),
        accounts=account_summary(ledger.accounts, ledger.account_balances, ledger.by_account),
    )


def entity_facts(ledger: _Ledger) -> dict:
    """Entity name, credit code, currency, fiscal year and period: from the entity table, else the data."""
    entity = dict(ledger.entity)
    facts = {
        "name": entity.get("name") or "",
        "credit_code": entity.get("credit_code") or "",
        "currency": entity.get("currency") or "",
        "fiscal_year": entity.get("fiscal_year"),
        "period_start": entity.get("period_start"),
        "period_end": entity.get("period_end"),
        "source_software": entity.get("source_software") or "",
        "source_format": entity.get("source_format") or "",
    }
    vouchers = ledger.vouchers
    if facts["fiscal_year"] is None and vouchers.height:
        years = vouchers["fiscal_year"].drop_nulls().unique()
        if years.len() == 1:
            facts["fiscal_year"] = int(years[0])
    if facts["period_start"] is None:
        if ledger.periods.height:
            facts["period_start"] = ledger.periods["start"].min()
        elif vouchers.height:
            facts["period_start"] = vouchers["first_date"].min()
    if facts["period_end"] is None:
        if ledger.periods.height:
            facts["period_end"] = ledger.periods["end"].max()
        elif vouchers.height:
            facts["period_end"] = vouchers["last_date"].max()
    return facts
