"""A tiny test-only ledger format, so that the store, checks, service and command are tested without
depending on the real format modules. One record per text line, fields separated by "|":

    TINY-LEDGER 1
    entity|name|credit code|currency|fiscal year|period start|period end
    period|year|period|start|end
    account|code|name|level|parent code|type|normal balance
    dimension|type|code|name
    balance|account|dimension type|dimension code|opening|debit|credit|closing
    line|year|period|voucher type|number|date|line no|description|account|debit|credit|extras

Empty fields are nulls; extras are `key=value` pairs separated by "," (customer, supplier,
department, project, employee, inventory, other_dimensions, void=1). Every voucher line's
`source_location` is `<file name>:<text line>`. Register it with `register(monkeypatch)`.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path

import polars as pl

from cpahub.ledgers import canonical
from cpahub.ledgers.formats import FormatError

FORMAT = "tiny"
LABEL = "Tiny test ledger"
MAGIC = b"TINY-LEDGER 1"
MODULE = "cpahub.ledgers.tests.tinyformat"


def register(monkeypatch, first: bool = True) -> None:
    """Make "tiny" a known format (first in detection order unless `first` is False)."""
    from cpahub.ledgers import formats

    modules = {FORMAT: MODULE, **formats.MODULES} if first else {**formats.MODULES, FORMAT: MODULE}
    monkeypatch.setattr(formats, "MODULES", modules)


def sniff(head: bytes, name: str) -> bool:
    return head.startswith(MAGIC)


def _value(text: str):
    return text if text != "" else None


def _date(text: str):
    return datetime.date.fromisoformat(text) if text else None


def _amount(text: str):
    return Decimal(text) if text else None


def read(path: Path, sink, *, options: dict | None = None, progress=None) -> None:
    options = options or {}
    batch_rows = int(options.get("batch_rows", 3))
    size = path.stat().st_size
    tables: dict[str, list[dict]] = {
        "entity": [],
        "periods": [],
        "accounts": [],
        "dimensions": [],
        "balances": [],
    }
    batch: list[dict] = []
    done = 0
    with path.open("rb") as handle:
        first = handle.readline()
        done += len(first)
        if not first.startswith(MAGIC):
            raise FormatError("not a tiny ledger", f"{path.name}:1")
        for number, raw in enumerate(handle, start=2):
            done += len(raw)
            location = f"{path.name}:{number}"
            try:
                text = raw.decode("utf-8").rstrip("\r\n")
            except UnicodeDecodeError:
                raise FormatError("not UTF-8", location) from None
            if not text or text.startswith("#"):
                continue
            kind, *fields = text.split("|")
            try:
                if kind == "entity":
                    name, code, currency, year, start, end = fields
                    tables["entity"].append(
                        {
                            "name": name,
                            "credit_code": _value(code),
                            "currency": _value(currency),
                            "fiscal_year": int(year) if year else None,
                            "period_start": _date(start),
                            "period_end": _date(end),
                            "source_format": "tiny-1",
                        }
                    )
                elif kind == "period":
                    year, period, start, end = fields
                    tables["periods"].append(
                        {
                            "fiscal_year": int(year),
                            "period": int(period),
                            "start": _date(start),
                            "end": _date(end),
                        }
                    )
                elif kind == "account":
                    code, name, level, parent, kind_, normal = fields
                    tables["accounts"].append(
                        {
                            "code": code,
                            "name": name,
                            "level": int(level),
                            "parent_code": _value(parent),
                            "type": _value(kind_),
                            "normal_balance": _value(normal),
                        }
                    )
                elif kind == "dimension":
                    type_, code, name = fields
                    tables["dimensions"].append({"type": type_, "code": code, "name": name})
                elif kind == "balance":
                    account, dim_type, dim_code, opening, debit, credit, closing = fields
                    tables["balances"].append(
                        {
                            "account_code": account,
                            "dimension_type": _value(dim_type),
                            "dimension_code": _value(dim_code),
                            "opening": _amount(opening),
                            "debit": _amount(debit),
                            "credit": _amount(credit),
                            "closing": _amount(closing),
                        }
                    )
                elif kind == "line":
                    (
                        year,
                        period,
                        vtype,
                        vnumber,
                        date,
                        line_no,
                        description,
                        account,
                        debit,
                        credit,
                        *rest,
                    ) = fields
                    row = {
                        "fiscal_year": int(year),
                        "period": int(period),
                        "voucher_type": _value(vtype),
                        "voucher_number": _value(vnumber),
                        "voucher_date": _date(date),
                        "line_number": int(line_no) if line_no else None,
                        "description": _value(description),
                        "account_code": _value(account),
                        "debit": _amount(debit),
                        "credit": _amount(credit),
                        "void": False,
                        "source_location": location,
                    }
                    for pair in rest[0].split(",") if rest and rest[0] else []:
                        key, _, value = pair.partition("=")
                        row[key] = value == "1" if key == "void" else value
                    batch.append(row)
                    if len(batch) >= batch_rows:
                        sink.put_lines(_frame(batch))
                        batch = []
                elif kind == "issue":
                    severity, code, message = fields
                    sink.report(canonical.Issue(severity, code, message, location))
                else:
                    raise FormatError(f"unknown record {kind!r}", location)
            except (ValueError, ArithmeticError) as error:
                if isinstance(error, FormatError):
                    raise
                raise FormatError(str(error), location) from None
            if progress is not None:
                progress(done, size)
    if batch:
        sink.put_lines(_frame(batch))
    for table, rows in tables.items():
        if rows:
            sink.put(table, pl.DataFrame(rows, schema=_schema(table, rows), orient="row", strict=False))


def _schema(table: str, rows: list[dict]) -> dict:
    return {name: dtype for name, dtype in canonical.TABLES[table].items() if name in rows[0]}


def _frame(rows: list[dict]) -> pl.DataFrame:
    names = {key for row in rows for key in row}
    schema = {name: dtype for name, dtype in canonical.LINES.items() if name in names}
    return pl.DataFrame(
        [{name: row.get(name) for name in schema} for row in rows], schema=schema, strict=False
    )


def write(source, target: Path, *, options: dict | None = None) -> list[Path]:
    """Write the voucher lines and balances back in the tiny format (for the export command's test)."""
    target = Path(target)
    out = ["TINY-LEDGER 1"]
    for row in source.lazy("accounts").collect().iter_rows(named=True):
        out.append(
            "|".join(
                [
                    "account",
                    row["code"],
                    row["name"] or "",
                    str(row["level"] or 1),
                    row["parent_code"] or "",
                    row["type"] or "",
                    row["normal_balance"] or "",
                ]
            )
        )
    for row in source.lazy("lines").collect().iter_rows(named=True):
        out.append(
            "|".join(
                str(v) if v is not None else ""
                for v in [
                    "line",
                    row["fiscal_year"],
                    row["period"],
                    row["voucher_type"],
                    row["voucher_number"],
                    row["voucher_date"],
                    row["line_number"],
                    row["description"],
                    row["account_code"],
                    row["debit"],
                    row["credit"],
                ]
            )
        )
    target.write_text("\n".join(out) + "\n", encoding="utf-8")
    return [target]
