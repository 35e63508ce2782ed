"""The canonical audit data model ("cpahub audit data standard", STD-1), version 1.

Every importer turns its format into these tables; every exporter and check reads them. Tables are
Polars DataFrames with exactly these columns and types (`conform()` enforces it). Amounts are in
the entity's local currency as Decimal(20, 2); foreign-currency amounts and quantities sit beside
them. Debits and credits are separate columns on voucher lines, normally non-negative; a negative
value is a red-ink reversal (红字冲销) on that side, as Chinese ledgers record it. Balances are signed
(debit positive, credit negative) so that `opening + debit - credit = closing` holds for every
account and dimension value.

Readers stream: they call a `LedgerSink` (below) with one small table per master file and with the
voucher lines in batches, so that a 10-million-line file never sits in memory whole.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

import polars as pl

VERSION = "1.0"
AMOUNT = pl.Decimal(20, 2)
RATE = pl.Decimal(20, 8)
QUANTITY = pl.Decimal(24, 6)

# Kinds of auxiliary accounting (辅助核算). "other" carries any further dimension the source has.
DIMENSION_TYPES = ("customer", "supplier", "department", "project", "employee", "inventory", "other")
# Account classes of the Chinese enterprise charts (资产 负债 共同 所有者权益 成本 损益), plus off-balance.
ACCOUNT_TYPES = ("asset", "liability", "common", "equity", "cost", "profit_loss", "off_balance", "unknown")
SEVERITIES = ("error", "warning", "info")

ENTITY = {
    "name": pl.Utf8,
    "credit_code": pl.Utf8,  # unified social credit code or the source's registration number
    "currency": pl.Utf8,  # local (functional) currency, ISO 4217
    "fiscal_year": pl.Int32,
    "period_start": pl.Date,
    "period_end": pl.Date,
    "source_software": pl.Utf8,
    "source_format": pl.Utf8,  # e.g. "saft-no-1.10", "gbt24589-2010", "ads-gl", "cpahub-1.0"
}

PERIODS = {
    "fiscal_year": pl.Int32,
    "period": pl.Int32,  # 1..12 (13+ for adjustment periods)
    "start": pl.Date,
    "end": pl.Date,
}

ACCOUNTS = {
    "code": pl.Utf8,
    "name": pl.Utf8,
    "level": pl.Int32,  # 1 = top level
    "parent_code": pl.Utf8,  # null at level 1
    "type": pl.Utf8,  # one of ACCOUNT_TYPES
    "normal_balance": pl.Utf8,  # "D" or "C"
    "is_leaf": pl.Boolean,
    "dimension_types": pl.List(pl.Utf8),  # auxiliary accounting kept on this account
    "currency": pl.Utf8,  # foreign-currency account's currency, else null
}

DIMENSIONS = {
    "type": pl.Utf8,  # one of DIMENSION_TYPES
    "code": pl.Utf8,
    "name": pl.Utf8,
    "parent_code": pl.Utf8,
    "credit_code": pl.Utf8,  # for customers and suppliers when the source has it
}

# One row per account, or per account and dimension value (dimension_type/code not null).
BALANCES = {
    "account_code": pl.Utf8,
    "dimension_type": pl.Utf8,
    "dimension_code": pl.Utf8,
    "currency": pl.Utf8,  # null = local currency only
    "opening": AMOUNT,  # signed: debit positive
    "debit": AMOUNT,  # movements of the selected periods
    "credit": AMOUNT,
    "closing": AMOUNT,  # signed: debit positive
    "opening_fx": AMOUNT,
    "closing_fx": AMOUNT,
    "opening_quantity": QUANTITY,
    "closing_quantity": QUANTITY,
}

# One row per voucher line (记账凭证分录).
LINES = {
    "fiscal_year": pl.Int32,
    "period": pl.Int32,
    "voucher_type": pl.Utf8,  # 记/收/付/转 or the source's journal id
    "voucher_number": pl.Utf8,
    "voucher_date": pl.Date,
    "line_number": pl.Int32,
    "description": pl.Utf8,
    "account_code": pl.Utf8,
    "debit": AMOUNT,  # local currency; negative = red-ink reversal (红字)
    "credit": AMOUNT,  # local currency; negative = red-ink reversal (红字)
    "currency": pl.Utf8,  # transaction currency when foreign
    "fx_amount": AMOUNT,  # signed: debit positive
    "fx_rate": RATE,
    "quantity": QUANTITY,
    "customer": pl.Utf8,  # dimension codes (辅助核算)
    "supplier": pl.Utf8,
    "department": pl.Utf8,
    "project": pl.Utf8,
    "employee": pl.Utf8,
    "inventory": pl.Utf8,
    "other_dimensions": pl.Utf8,  # "type:code;type:code" for further dimensions
    "cash_flow_item": pl.Utf8,
    "attachments": pl.Int32,
    "preparer": pl.Utf8,
    "reviewer": pl.Utf8,
    "poster": pl.Utf8,
    "entered_at": pl.Datetime("us"),
    "posted": pl.Boolean,
    "void": pl.Boolean,
    "source": pl.Utf8,  # manual, system module, interface ...
    "source_location": pl.Utf8,  # file:line or element path, for error reports
}

USERS = {"code": pl.Utf8, "name": pl.Utf8, "role": pl.Utf8}
CASH_FLOW_ITEMS = {"code": pl.Utf8, "name": pl.Utf8, "direction": pl.Utf8}

TABLES: dict[str, dict] = {
    "entity": ENTITY,
    "periods": PERIODS,
    "accounts": ACCOUNTS,
    "dimensions": DIMENSIONS,
    "balances": BALANCES,
    "lines": LINES,
    "users": USERS,
    "cash_flow_items": CASH_FLOW_ITEMS,
}
DIMENSION_LINE_COLUMNS = ("customer", "supplier", "department", "project", "employee", "inventory")


def conform(table: str, frame: pl.DataFrame) -> pl.DataFrame:
    """Return `frame` with exactly the columns of `table`, in order and cast to their types.

    Missing columns become nulls; unknown columns are an error (a reader bug, not bad input).
    """
    schema = TABLES[table]
    unknown = set(frame.columns) - set(schema)
    if unknown:
        raise ValueError(f"{table}: unknown columns {sorted(unknown)}")
    columns = []
    for name, dtype in schema.items():
        if name in frame.columns:
            columns.append(pl.col(name).cast(dtype, strict=True))
        else:
            columns.append(pl.lit(None, dtype=dtype).alias(name))
    return frame.select(columns)


def empty(table: str) -> pl.DataFrame:
    return pl.DataFrame(schema=TABLES[table])


@dataclass(frozen=True)
class Issue:
    """A finding about the input, pointing at the file, line or element it comes from."""

    severity: str  # error | warning | info
    code: str  # stable machine code, e.g. "voucher_unbalanced"
    message: str  # for people (translated when shown)
    location: str = ""  # "file.xml:1234", "GL_Detail.txt line 17", "/AuditFile/.../Line[3]"
    data: dict = field(default_factory=dict)


class LedgerSink(Protocol):
    """What a reader writes to. The store's snapshot writer and `InMemoryLedger` implement it."""

    def put(self, table: str, frame: pl.DataFrame) -> None:
        """A whole master table (entity, periods, accounts, dimensions, balances, users, cash_flow_items)."""

    def put_lines(self, frame: pl.DataFrame) -> None:
        """A batch of voucher lines; called many times."""

    def report(self, issue: Issue) -> None:
        """Something the reader noticed (bad rows it skipped, ambiguities, encodings)."""


class InMemoryLedger:
    """A sink that keeps everything in memory: for tests, small files and round trips."""

    def __init__(self):
        self.tables: dict[str, pl.DataFrame] = {}
        self._line_batches: list[pl.DataFrame] = []
        self.issues: list[Issue] = []

    def put(self, table: str, frame: pl.DataFrame) -> None:
        if table == "lines":
            raise ValueError("voucher lines go through put_lines()")
        self.tables[table] = conform(table, frame)

    def put_lines(self, frame: pl.DataFrame) -> None:
        self._line_batches.append(conform("lines", frame))

    def report(self, issue: Issue) -> None:
        self.issues.append(issue)

    def table(self, name: str) -> pl.DataFrame:
        if name == "lines":
            return pl.concat(self._line_batches) if self._line_batches else empty("lines")
        return self.tables.get(name, empty(name))

    def lazy(self, name: str) -> pl.LazyFrame:
        return self.table(name).lazy()

    def replay(self, sink: LedgerSink, batch_rows: int = 100_000) -> None:
        """Write this ledger to another sink (e.g. an exporter or the store)."""
        for name in TABLES:
            if name == "lines":
                lines = self.table("lines")
                for offset in range(0, lines.height, batch_rows):
                    sink.put_lines(lines.slice(offset, batch_rows))
            elif name in self.tables:
                sink.put(name, self.tables[name])


class LedgerSource(Protocol):
    """What checks and exporters read: one lazy frame per canonical table."""

    def lazy(self, name: str) -> pl.LazyFrame: ...


def collect(source: LedgerSource, name: str) -> pl.DataFrame:
    """A whole table of `source`, or an empty one of the right schema when the source lacks it."""
    try:
        return source.lazy(name).collect()
    except (KeyError, FileNotFoundError):
        return empty(name)


def batched(rows: Iterable[dict], schema: dict, size: int = 50_000):
    """Group row dicts into DataFrames of `size` rows (readers of row-oriented formats use it)."""
    batch: list[dict] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield pl.DataFrame(batch, schema=schema, orient="row", strict=False)
            batch = []
    if batch:
        yield pl.DataFrame(batch, schema=schema, orient="row", strict=False)
