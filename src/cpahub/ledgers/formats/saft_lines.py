"""SAF-T voucher lines: GeneralLedgerEntries/Journal/Transaction/Line elements into canonical lines.

Two steps, so that the slow part can run in worker processes (`xmlchunks`):

1. `transaction_rows()` copies the texts of one Transaction and its Lines into column lists as
   they are, with no knowledge of the rest of the file — in this process (the sequential path) or
   in a worker for a whole chunk of Transactions (`extract_chunk`);
2. `resolve()` turns a batch of those raw rows into the reader's text columns with what only the
   reader knows (the journal, the default currency, the analysis types), vectorised; then
   `lines_frame()` converts the values.

Semantics (the same on both paths): the last of repeated fields counts; a line's CustomerID,
SupplierID and Description fall back to the transaction's, SystemEntryTime to SystemEntryDate;
amounts in the default currency drop their currency figures; the first analysis value of a
dimension kind fills that column (unless a customer or supplier is already set), the rest go to
`other_dimensions` as "kind:code" in document order.
"""

from __future__ import annotations

from decimal import Decimal

import polars as pl

from cpahub.ledgers import canonical
from cpahub.ledgers.formats import xmlchunks, xmlsafe
from cpahub.ledgers.formats.messages import make_issue
from cpahub.ledgers.formats.xmlsafe import LINE, local

NAMESPACE = "urn:StandardAuditFile-Taxation-Financial:NO"
TRANSACTION = f"{{{NAMESPACE}}}Transaction"
OTHER_ANALYSIS = "OTHER"  # the analysis type written for an "other" dimension code without "TYPE:"

HEAD = ("TransactionID", "Period", "PeriodYear", "TransactionDate", "SourceID", "TransactionType")
HEAD += ("Description", "SystemEntryDate", "CustomerID", "SupplierID")
LINE_FIELDS = ("AccountID", "CustomerID", "SupplierID", "Description", "Quantity", "SystemEntryTime")
PARTS = ("Amount", "CurrencyCode", "CurrencyAmount", "ExchangeRate")
# A raw row per Line: its transaction (index into the transactions of the batch), number, source line,
# the line fields, the side, the amount parts, the analysis pairs and the count of analysis amounts.
ROW = ["__tx", "line_number", LINE, *(f"l_{n}" for n in LINE_FIELDS), "side", *(f"a_{n}" for n in PARTS)]
ROW += ["analysis", "analysis_amounts"]
ROW_SCHEMA = dict.fromkeys(ROW, pl.String) | {
    "__tx": pl.Int64,
    "line_number": pl.Int32,
    LINE: pl.Int64,
    "analysis_amounts": pl.Int32,
}
RAW = [f"t_{n}" for n in HEAD] + ROW[1:]  # a batch of raw rows: transaction fields joined in
_FIELD, _SIDE, _PART = 3, 3 + len(LINE_FIELDS), 4 + len(LINE_FIELDS)
_ANALYSIS = _PART + len(PARTS)
# Analysis values of a line as "type US id RS type US id": separators XML 1.0 text cannot contain.
_UNIT, _RECORD = "\x1f", "\x1e"
_LINE, _DEBIT, _CREDIT, _ANALYSIS_ROLE, _OTHER = -1, -2, -3, -4, -5
# Clark tag -> what it is, by local name (namespaces are not looked at below the Transaction)
_HEAD_ROLES: dict = {}
_LINE_ROLES: dict = {}
_PART_ROLES: dict = {}


def _head_role(tag) -> int:
    name = local(tag)
    role = _LINE if name == "Line" else HEAD.index(name) if name in HEAD else _OTHER
    _HEAD_ROLES[tag] = role
    return role


def _line_role(tag) -> int:
    name = local(tag)
    roles = {"DebitAmount": _DEBIT, "CreditAmount": _CREDIT, "Analysis": _ANALYSIS_ROLE}
    role = _FIELD + LINE_FIELDS.index(name) if name in LINE_FIELDS else roles.get(name, _OTHER)
    _LINE_ROLES[tag] = role
    return role


def _part_role(tag) -> str:
    name = local(tag)
    role = _PART_ROLES[tag] = (
        "amount"
        if name.endswith("AnalysisAmount")
        else name
        if name in PARTS or name.startswith("Analysis")
        else ""
    )
    return role


class Rows:
    """Raw rows collected from Transaction elements (see `transaction_rows`)."""

    def __init__(self):
        self.transactions: list[list] = []
        self.lines: list[list] = []

    def __len__(self) -> int:
        return len(self.lines)

    def frame(self) -> pl.DataFrame:
        """The raw rows: transaction fields (t_*), then the line's (RAW)."""
        lines = list(zip(*self.lines, strict=True)) or [()] * len(ROW)
        frame = pl.DataFrame(
            [pl.Series(name, values, dtype=ROW_SCHEMA[name]) for name, values in zip(ROW, lines, strict=True)]
        )
        heads = list(zip(*self.transactions, strict=True)) or [()] * len(HEAD)
        head = pl.DataFrame(
            [pl.Series(f"t_{n}", v, dtype=pl.String) for n, v in zip(HEAD, heads, strict=True)]
        )
        return pl.concat([head[frame["__tx"]], frame.drop("__tx")], how="horizontal")


def transaction_rows(transaction, rows: Rows, offset: int = 0) -> int:
    """Collect the raw rows of the Lines of `transaction`; returns how many.

    `offset` is added to source lines (a chunk's first line - 1 in a worker)."""
    head = [None] * len(HEAD)
    found = []
    head_roles, line_roles, part_roles = _HEAD_ROLES, _LINE_ROLES, _PART_ROLES
    for child in transaction:
        tag = child.tag
        role = head_roles.get(tag)
        if role is None:
            role = _head_role(tag)
        if role >= 0:
            head[role] = child.text
        elif role == _LINE:
            found.append(child)
    number = 0
    index = len(rows.transactions)
    rows.transactions.append(head)
    append = rows.lines.append
    width = _ANALYSIS + 2
    for line in found:
        number += 1
        row = [None] * width
        row[0], row[1], row[2], row[-1] = index, number, (line.sourceline or 0) + offset, 0
        for child in line:
            tag = child.tag
            role = line_roles.get(tag)
            if role is None:
                role = _line_role(tag)
            if role >= 0:
                row[role] = child.text
            elif role in (_DEBIT, _CREDIT):
                row[_SIDE] = "D" if role == _DEBIT else "C"
                for part in child:
                    name = part_roles.get(part.tag)
                    if name is None:
                        name = _part_role(part.tag)
                    if name in PARTS:
                        row[_PART + PARTS.index(name)] = part.text
            elif role == _ANALYSIS_ROLE:
                kind = code = None
                for part in child:
                    name = part_roles.get(part.tag)
                    if name is None:
                        name = _part_role(part.tag)
                    if name == "AnalysisType":
                        kind = part.text
                    elif name == "AnalysisID":
                        code = part.text
                    elif name == "amount":
                        row[-1] += 1
                pair = f"{kind or ''}{_UNIT}{code or ''}"
                row[_ANALYSIS] = pair if row[_ANALYSIS] is None else f"{row[_ANALYSIS]}{_RECORD}{pair}"
        append(row)
    return number


def extract_chunk(root, offset: int) -> dict:
    """In a worker: the raw rows of a chunk of Transactions (`xmlchunks.parse_chunk`)."""
    rows = Rows()
    count = 0
    for transaction in xmlchunks.local_tags(root, "Transaction"):
        if transaction.tag != TRANSACTION:
            raise xmlchunks.NotRecords(f"{transaction.tag} is not a SAF-T Transaction")
        count += 1
        transaction_rows(transaction, rows, offset)
    return {"frame": rows.frame(), "transactions": count}


def _clean(column: str) -> pl.Expr:
    value = pl.col(column).str.strip_chars()
    return pl.when(value == "").then(None).otherwise(value)


def resolve(raw: pl.DataFrame, *, currency: str | None, kinds) -> tuple[pl.DataFrame, int]:
    """(the reader's text columns plus line_number and LINE, analysis amounts seen) of raw rows.

    `kinds(types)` gives the dimension kind of each analysis type in `types`."""
    text = [c for c in raw.columns if raw.schema[c] == pl.String and c != "analysis"]
    frame = raw.with_row_index("__row").with_columns([_clean(c).alias(c) for c in text])
    foreign = pl.col("a_CurrencyCode").is_not_null()
    if currency is not None:
        foreign = foreign & (pl.col("a_CurrencyCode") != currency)
    frame = frame.with_columns(
        customer=pl.coalesce("l_CustomerID", "t_CustomerID"),
        supplier=pl.coalesce("l_SupplierID", "t_SupplierID"),
        currency=pl.when(foreign).then(pl.col("a_CurrencyCode")),
        fx_amount=pl.when(foreign).then(pl.col("a_CurrencyAmount")),
        fx_rate=pl.when(foreign).then(pl.col("a_ExchangeRate")),
    )
    dims, others = _analysis(frame, kinds)
    frame = (
        frame.drop("customer", "supplier")
        .join(dims, on="__row", how="left")
        .join(others, on="__row", how="left")
    )
    columns = frame.select(
        pl.col("t_PeriodYear").alias("fiscal_year"),
        pl.col("t_Period").alias("period"),
        "voucher_type",
        pl.col("t_TransactionID").alias("voucher_number"),
        pl.col("t_TransactionDate").alias("voucher_date"),
        pl.coalesce("l_Description", "t_Description").alias("description"),
        pl.col("l_AccountID").alias("account_code"),
        pl.col("a_Amount").alias("amount"),
        "side",
        "currency",
        "fx_amount",
        "fx_rate",
        pl.col("l_Quantity").alias("quantity"),
        *canonical.DIMENSION_LINE_COLUMNS,
        "other_dimensions",
        pl.col("t_SourceID").alias("preparer"),
        pl.coalesce("l_SystemEntryTime", "t_SystemEntryDate").alias("entered"),
        pl.col("t_TransactionType").alias("source"),
        "line_number",
        LINE,
    )
    return columns, int(raw["analysis_amounts"].sum() or 0)


def _analysis(frame: pl.DataFrame, kinds) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(__row + one column per dimension kind, __row + other_dimensions) from the analysis pairs."""
    base = frame.select("__row", "customer", "supplier")
    pairs = (
        frame.select("__row", pl.col("analysis").str.split(_RECORD))
        .explode("analysis")
        .filter(pl.col("analysis").is_not_null())
        .select("__row", pl.col("analysis").str.splitn(_UNIT, 2).struct.rename_fields(["type", "id"]))
        .unnest("analysis")
        .with_columns(_clean("type").alias("type"), _clean("id").alias("id"))
        .filter(pl.col("type").is_not_null() & pl.col("id").is_not_null())
    )
    empty = pl.lit(None, dtype=pl.String)
    if not pairs.height:
        dims = base.with_columns([empty.alias(k) for k in canonical.DIMENSION_LINE_COLUMNS[2:]])
        return dims, base.select("__row", empty.alias("other_dimensions"))
    mapping = kinds(pairs["type"].unique(maintain_order=True).to_list())
    kind = pl.col("type").replace_strict(mapping, return_dtype=pl.String)
    pairs = pairs.join(base, on="__row", how="left").with_columns(kind=kind)
    taken = (
        pl.when(pl.col("kind") == "customer")
        .then(pl.col("customer"))
        .when(pl.col("kind") == "supplier")
        .then(pl.col("supplier"))
    )
    to_column = (
        pl.col("kind").is_in(canonical.DIMENSION_LINE_COLUMNS)
        & (pl.int_range(pl.len()).over("__row", "kind") == 0)
        & taken.is_null()
    )
    code = (
        pl.when((pl.col("kind") != "other") | (pl.col("type") == OTHER_ANALYSIS))
        .then(pl.col("id"))
        .otherwise(pl.col("type") + ":" + pl.col("id"))
    )
    pairs = pairs.with_columns(to_column.alias("to_column"), code.alias("code"))
    chosen = pairs.filter("to_column")
    wide = (
        chosen.pivot(on="kind", index="__row", values="id", aggregate_function="first")
        if chosen.height
        else chosen.select("__row")
    )
    dims = base.join(wide, on="__row", how="left", suffix="_analysis")
    for column in canonical.DIMENSION_LINE_COLUMNS:
        if column in ("customer", "supplier") and column in wide.columns:
            dims = dims.with_columns(pl.coalesce(column, f"{column}_analysis").alias(column))
        elif column not in dims.columns:
            dims = dims.with_columns(empty.alias(column))
    dims = dims.select("__row", *canonical.DIMENSION_LINE_COLUMNS)
    others = (
        pairs.filter(~pl.col("to_column"))
        .group_by("__row", maintain_order=True)
        .agg((pl.col("kind") + ":" + pl.col("code")).str.join(";").alias("other_dimensions"))
    )
    others = base.select("__row").join(others, on="__row", how="left")
    return dims, others


LINE_CONVERSIONS = {
    "fiscal_year": xmlsafe.Conversion("int", "PeriodYear"),
    "period": xmlsafe.Conversion("int", "Period"),
    "voucher_date": xmlsafe.Conversion("iso_date", "TransactionDate"),
    "amount": xmlsafe.Conversion("amount", "Amount"),
    "fx_amount": xmlsafe.Conversion("amount", "CurrencyAmount"),
    "fx_rate": xmlsafe.Conversion("rate", "ExchangeRate"),
    "quantity": xmlsafe.Conversion("quantity", "Quantity"),
}


def lines_frame(frame: pl.DataFrame, name: str, sink) -> pl.DataFrame:
    """The text batch of SAF-T lines as canonical columns (plus LINE)."""
    frame = xmlsafe.convert(frame, LINE_CONVERSIONS, name=name, sink=sink)
    entered = pl.col("entered").str.strip_chars()
    stamp = (
        entered.str.extract(r"^(\d{4}-\d{2}-\d{2})(?:T(\d{2}:\d{2}:\d{2}))?", 1)
        + pl.lit(" ")
        + entered.str.extract(r"^\d{4}-\d{2}-\d{2}T(\d{2}:\d{2}:\d{2})", 1).fill_null("00:00:00")
    )
    frame = frame.with_columns(
        entered_at=stamp.str.to_datetime("%Y-%m-%d %H:%M:%S", time_unit="us", strict=False)
    )
    unreadable = frame.filter(pl.col("entered").is_not_null() & pl.col("entered_at").is_null())
    if unreadable.height:
        sink.report(
            make_issue(
                "warning",
                "entry_time_unreadable",
                f"{name}:{unreadable[LINE][0]}",
                count=unreadable.height,
                example=unreadable["entered"][0],
            )
        )
    zero = pl.lit(Decimal(0), dtype=canonical.AMOUNT)
    debit_side = pl.col("side") == "D"
    return frame.select(
        "fiscal_year",
        "period",
        "voucher_type",
        "voucher_number",
        "voucher_date",
        "line_number",
        "description",
        "account_code",
        pl.when(debit_side).then(pl.col("amount")).otherwise(zero).alias("debit"),
        pl.when(debit_side).then(zero).otherwise(pl.col("amount")).alias("credit"),
        "currency",
        pl.when(debit_side).then(pl.col("fx_amount")).otherwise(-pl.col("fx_amount")).alias("fx_amount"),
        "fx_rate",
        "quantity",
        *canonical.DIMENSION_LINE_COLUMNS,
        "other_dimensions",
        "preparer",
        "entered_at",
        pl.lit(True).alias("posted"),
        pl.lit(False).alias("void"),
        "source",
        (pl.lit(f"{name}:") + pl.col(LINE).cast(pl.String)).alias("source_location"),
        LINE,
    )
