"""Mapped text columns → canonical voucher lines, balances and accounts."""

from __future__ import annotations

import re

import polars as pl

from cpahub.core import textio as coretext
from cpahub.ledgers import canonical
from cpahub.ledgers.formats import FormatError
from cpahub.ledgers.formats.messages import listing
from cpahub.ledgers.formats.textio import (
    ROW,
    CellParser,
    derive_accounts,
    folded,
    hierarchy,
    option_flag,
    option_mapping,
    text,
)

DIMENSION_LABELS = {
    "客户": "customer",
    "供应商": "supplier",
    "部门": "department",
    "项目": "project",
    "个人": "employee",
    "职员": "employee",
    "员工": "employee",
    "人员": "employee",
    "存货": "inventory",
    "customer": "customer",
    "supplier": "supplier",
    "department": "department",
    "project": "project",
    "employee": "employee",
    "inventory": "inventory",
}
ACCOUNT_TYPE_WORDS = {
    "资产": "asset",
    "资产类": "asset",
    "负债": "liability",
    "负债类": "liability",
    "共同": "common",
    "共同类": "common",
    "权益": "equity",
    "所有者权益": "equity",
    "所有者权益类": "equity",
    "净资产": "equity",
    "成本": "cost",
    "成本类": "cost",
    "损益": "profit_loss",
    "损益类": "profit_loss",
    **{t: t for t in canonical.ACCOUNT_TYPES},
}
CURRENCY_NAMES = {
    "人民币": "CNY",
    "RMB": "CNY",
    "本位币": None,
    "综合本位币": None,
    "美元": "USD",
    "欧元": "EUR",
    "港币": "HKD",
    "港元": "HKD",
    "日元": "JPY",
    "英镑": "GBP",
    "澳元": "AUD",
    "加元": "CAD",
    "新加坡元": "SGD",
    "瑞士法郎": "CHF",
    "韩元": "KRW",
    "澳门元": "MOP",
    "新台币": "TWD",
}
TOTAL_WORDS = (
    r"^(?:本月合计|本期合计|本年累计|本季合计|合计|总计|小计|累计|承前页|过次页|期初余额|上年结转|期末余额)"
)
TRUE_WORDS = ("1", "是", "y", "yes", "true", "√", "作废", "已作废", "已记账", "已过账", "记账", "过账")
FALSE_WORDS = ("0", "否", "n", "no", "false", "正常", "未记账", "未过账")
DEFAULT_VOUCHER = r"^\s*(?P<type>[^\d\s\-－—_]*?)\s*[\-－—_ ]?\s*(?P<number>\d+)\s*$"


# --- voucher lines --------------------------------------------------------------------------------


def _series(parser: CellParser, expr: pl.Expr, name: str) -> pl.Series:
    return parser.frame.select(expr.alias(name))[name]


def _code(column: str) -> pl.Expr:
    """A code: half-width, no spaces."""
    return folded(column).str.replace_all(r"\s+", "")


def _drop_totals(parser: CellParser, mapped: dict[str, str], keys: list[str], options: dict) -> CellParser:
    """Leave out 合计 / 本月合计 / 本年累计 / 承前页 ... rows (reported), as exports add them."""
    if not option_flag(options.get("skip_totals"), True):
        return parser
    present = [mapped[k] for k in keys if k in mapped]
    if not present:
        return parser
    masks = []
    for column in present:
        table = parser.distinct(column)
        totals = table.filter(
            folded("raw").str.replace_all(r"\s+", "").str.contains(TOTAL_WORDS).fill_null(False)
        )
        if totals.height:
            masks.append(pl.col(column).is_in(totals["raw"].implode()))
    if not masks:
        return parser
    is_total = pl.any_horizontal(masks)
    parser.report_where(is_total, "info", "total_rows_skipped", present[0])
    return CellParser(parser.frame.filter(~is_total), parser.name, sink=parser.sink, options=parser.options)


def _lines(parser: CellParser, mapped: dict[str, str], options: dict):
    parser = _drop_totals(
        parser, mapped, ["voucher", "voucher_number", "description", "account_code", "account_name"], options
    )
    frame = parser.frame
    out: dict[str, pl.Series] = {}
    col = mapped.get
    # vouchers
    if "voucher" in mapped:
        pattern = options.get("voucher_pattern") or "auto"
        pattern = DEFAULT_VOUCHER if pattern == "auto" else pattern
        cell = folded("raw")
        table = parser.distinct(col("voucher")).with_columns(
            cell=cell, parts=cell.str.extract_groups(pattern)
        )
        table = table.unnest("parts")
        if not {"type", "number"} <= set(table.columns):
            raise FormatError.of("option_voucher_pattern", parser.name)
        parser.fail_values(
            col("voucher"),
            table,
            pl.col("cell").is_not_null() & pl.col("number").is_null(),
            "not_voucher_reference",
        )
        table = table.with_columns(type=pl.when(pl.col("type") == "").then(None).otherwise(pl.col("type")))
        out["voucher_type"] = parser.back(col("voucher"), table, "type")
        out["voucher_number"] = parser.back(col("voucher"), table, "number")
    if "voucher_type" in mapped:
        out["voucher_type"] = _series(parser, text(col("voucher_type")), "voucher_type")
    if "voucher_number" in mapped:
        out["voucher_number"] = parser.per_value(col("voucher_number"), _code("raw"))
    if option_flag(options.get("strip_voucher_zeros"), True):
        number = pl.col("n")
        out["voucher_number"] = pl.DataFrame({"n": out["voucher_number"]}).select(
            pl.when(number.str.contains(r"^0+\d"))
            .then(number.str.strip_chars_start("0"))
            .otherwise(number)
            .alias("n")
        )["n"]
    present = frame.select(
        pl.any_horizontal(
            [text(mapped[k]).is_not_null() for k in ("voucher", "voucher_number") if k in mapped]
        )
    ).to_series()
    parser.fail_where(
        out["voucher_number"].is_null() & present,
        "empty_voucher_number",
        mapped.get("voucher") or mapped["voucher_number"],
    )
    # accounts
    out["account_code"] = parser.per_value(col("account_code"), _code("raw"))
    missing_code = out["account_code"].is_null()
    if missing_code.any():
        rows = frame.filter(missing_code)[ROW]
        raise FormatError.of(
            "empty_account_code",
            parser.location(rows[0]),
            column=col("account_code"),
            count=rows.len(),
            lines=listing(rows.to_list()),
        )
    account_names = {}
    if "account_name" in mapped:
        pairs = pl.DataFrame({"c": out["account_code"], "n": _series(parser, text(col("account_name")), "n")})
        account_names = dict(pairs.drop_nulls().unique("c", keep="first", maintain_order=True).iter_rows())
    # dates and periods
    if "voucher_date" in mapped:
        out["voucher_date"] = parser.dates(col("voucher_date"))
    year = period = None
    if "period_label" in mapped:
        year, period = _period_label(parser, col("period_label"))
    if "fiscal_year" in mapped:
        year = parser.integers(col("fiscal_year"), pattern=r"(\d{4})", what="year")
    if "period" in mapped:
        period = parser.integers(col("period"), pattern=r"(?:^|\D)0*(\d{1,2})\D*$", what="period")
    dates = out.get("voucher_date")
    derived = []
    if dates is not None:
        if year is None or year.null_count():
            derived.append("years")
        if period is None or period.null_count():
            derived.append("periods")
        base = pl.DataFrame({"d": dates, "y": year, "p": period})
        year = base.select(pl.coalesce("y", pl.col("d").dt.year()))["y"]
        period = base.select(pl.coalesce("p", pl.col("d").dt.month()))["p"]
    elif year is None and options.get("fiscal_year"):
        year = pl.Series("y", [int(options["fiscal_year"])] * frame.height)
    if derived:
        parser.report("info", "periods_derived", variant="_".join(derived), derived=derived)
    if year is None or year.null_count():
        parser.fail_where(pl.lit(True), "no_fiscal_year", col("account_code"))
    out["fiscal_year"] = year
    out["period"] = period
    # amounts
    _line_amounts(parser, mapped, options, out)
    # text fields
    for target in ("description", "cash_flow_item", "preparer", "reviewer", "poster", "source"):
        if target in mapped:
            out[target] = _series(parser, text(col(target)), target)
    if "attachments" in mapped:
        out["attachments"] = parser.integers(col("attachments"), what="attachments")
    if "posted" in mapped:
        out["posted"] = parser.booleans(col("posted"), true_words=TRUE_WORDS, false_words=FALSE_WORDS)
    elif "poster" in mapped:
        out["posted"] = out["poster"].is_not_null()
    if "void" in mapped:
        out["void"] = parser.booleans(col("void"), true_words=TRUE_WORDS, false_words=FALSE_WORDS)
    if "entered_at" in mapped:
        day = parser.dates(col("entered_at"), strict=False)
        clock = parser.times(col("entered_at"))
        out["entered_at"] = pl.DataFrame({"d": day, "t": clock}).select(
            (pl.col("d").cast(pl.Datetime("us")) + pl.col("t").fill_null(pl.duration(seconds=0))).alias("e")
        )["e"]
    # currency
    if "currency" in mapped:
        out["currency"] = _currency(parser, col("currency"), options)
    # dimensions
    dims = _line_dimensions(parser, mapped, options, out)
    # line numbers
    if "line_number" in mapped:
        out["line_number"] = parser.integers(col("line_number"), what="line_number")
    keys = pl.DataFrame(
        {
            "y": out["fiscal_year"],
            "p": out["period"],
            "t": out.get("voucher_type", pl.Series("t", [None] * frame.height, dtype=pl.String)),
            "n": out["voucher_number"],
        }
    )
    if "line_number" not in mapped or out["line_number"].null_count():
        numbered = keys.select(
            pl.int_range(1, pl.len() + 1).over(["y", "p", "t", "n"]).cast(pl.Int32).alias("l")
        )["l"]
        if "line_number" in mapped:
            out["line_number"] = pl.DataFrame({"a": out["line_number"], "b": numbered}).select(
                pl.coalesce("a", "b")
            )["a"]
        else:
            out["line_number"] = numbered
            parser.report("info", "line_numbers_derived")
    out["source_location"] = _series(
        parser, pl.lit(parser.name + ":") + pl.col(ROW).cast(pl.String), "source_location"
    )
    lines = canonical.conform("lines", pl.DataFrame(out))
    return lines, dims, account_names


def _period_label(parser: CellParser, column: str) -> tuple[pl.Series, pl.Series]:
    """Year and period of labels such as 2024.01, 2024-1, 2024年第1期, 2024年1月, 202401, or just 1."""
    table = parser.distinct(column).with_columns(cell=folded("raw").str.replace_all(r"\s+", ""))
    cell = pl.col("cell")
    table = table.with_columns(
        year=pl.coalesce(cell.str.extract(r"^(\d{4})(?:\D|\d{2}$)", 1)).cast(pl.Int64, strict=False),
        period=pl.coalesce(
            cell.str.extract(r"^\d{4}(\d{2})$", 1),
            cell.str.extract(r"^\d{4}\D+0*(\d{1,2})\D*$", 1),
            cell.str.extract(r"^(?:第)?0*(\d{1,2})(?:期|月)?$", 1),
        ).cast(pl.Int64, strict=False),
    )
    parser.fail_values(column, table, cell.is_not_null() & pl.col("period").is_null(), "not_period_label")
    return parser.back(column, table, "year"), parser.back(column, table, "period")


def _line_amounts(parser: CellParser, mapped: dict[str, str], options: dict, out: dict) -> None:
    col = mapped.get
    style = options.get("amount") or "auto"
    if style == "auto":
        if {"debit", "credit"} <= set(mapped):
            style = "debit_credit"
        elif "direction" in mapped:
            style = "direction"
        else:
            style = "signed"
    zero = pl.lit(0, dtype=canonical.AMOUNT)
    amount_columns = [
        col(f) for f in ("debit", "credit", "amount", "fx_amount", "fx_debit", "fx_credit") if f in mapped
    ]
    values = parser.amounts(amount_columns)
    if style == "debit_credit":
        work = pl.DataFrame({"d": values[col("debit")], "c": values[col("credit")]}).with_columns(
            pl.col("d").fill_null(zero), pl.col("c").fill_null(zero)
        )
        negative = work.select(((pl.col("d") < 0) | (pl.col("c") < 0)).alias("x"))["x"]
        if negative.any():
            parser.report_where(
                pl.Series(negative),
                "warning",
                "red_ink_moved",
                col("debit"),
            )
        net = work.select((pl.col("d") - pl.col("c")).alias("n"))["n"]
    elif style == "direction":
        sign = parser.directions(col("direction"))
        work = pl.DataFrame({"a": values[col("amount")], "s": sign})
        parser.fail_where(
            pl.Series(
                work.select(
                    pl.col("s").is_null() & pl.col("a").is_not_null() & (pl.col("a") != 0)
                ).to_series()
            ),
            "no_direction",
            col("direction"),
        )
        net = work.select(
            pl.when(pl.col("s") == -1).then(-pl.col("a")).otherwise(pl.col("a")).fill_null(zero).alias("n")
        )["n"]
    elif style == "signed":
        net = pl.DataFrame({"a": values[col("amount")]}).select(pl.col("a").fill_null(zero))["a"]
    else:
        raise FormatError.of("option_amount", parser.name, value=style)
    work = pl.DataFrame({"n": net})
    out["debit"] = work.select(
        pl.when(pl.col("n") > 0).then(pl.col("n")).otherwise(zero).cast(canonical.AMOUNT)
    )["n"]
    out["credit"] = work.select(
        pl.when(pl.col("n") < 0).then(-pl.col("n")).otherwise(zero).cast(canonical.AMOUNT)
    )["n"]
    # foreign currency and quantity
    if "fx_debit" in mapped or "fx_credit" in mapped:
        d = values.get(col("fx_debit"), pl.Series([None] * len(net), dtype=canonical.AMOUNT))
        c = values.get(col("fx_credit"), pl.Series([None] * len(net), dtype=canonical.AMOUNT))
        out["fx_amount"] = pl.DataFrame({"d": d, "c": c}).select(
            pl.when(pl.col("d").is_null() & pl.col("c").is_null())
            .then(None)
            .otherwise(pl.col("d").fill_null(zero) - pl.col("c").fill_null(zero))
            .cast(canonical.AMOUNT)
            .alias("f")
        )["f"]
    elif "fx_amount" in mapped:
        fx = values[col("fx_amount")]
        if option_flag(options.get("fx_signed"), False):
            out["fx_amount"] = fx
        else:
            out["fx_amount"] = pl.DataFrame({"f": fx, "n": net}).select(
                pl.when(pl.col("n") < 0)
                .then(-pl.col("f").abs())
                .otherwise(pl.col("f").abs())
                .cast(canonical.AMOUNT)
                .alias("f")
            )["f"]
    if "fx_rate" in mapped:
        out["fx_rate"] = parser.decimals([col("fx_rate")], scale=8, precision=20, what="rate")[col("fx_rate")]
    if "quantity" in mapped:
        out["quantity"] = parser.decimals([col("quantity")], scale=6, precision=24, what="quantity")[
            col("quantity")
        ]


def _currency(parser: CellParser, column: str, options: dict) -> pl.Series:
    """ISO currency codes; the local currency (and 本位币) as null."""
    local = (options.get("currency") or "CNY").upper()
    cell = folded(column).str.replace_all(r"\s+", "")
    mapping = dict(CURRENCY_NAMES)
    code = (
        pl.when(cell.is_in(list(mapping)))
        .then(cell.replace_strict(mapping, default=None))
        .otherwise(cell.str.to_uppercase())
    )
    return _series(parser, pl.when(code == local).then(None).otherwise(code), "currency")


def _aux_labels(options: dict) -> dict[str, str]:
    aux = option_mapping(options.get("auxiliary"))
    labels = dict(DIMENSION_LABELS)
    labels.update(aux.get("labels") or {})
    return {coretext.key(k): v for k, v in labels.items()}


AUX_ITEM = r"^\s*([^:：\s]+?)\s*[:：]\s*(\S+)(?:\s+(.+?))?\s*$"


def _line_dimensions(parser: CellParser, mapped: dict[str, str], options: dict, out: dict) -> pl.DataFrame:
    """Fill the dimension columns of `out`; return the dimension values seen (type, code, name)."""
    aux = option_mapping(options.get("auxiliary"))
    found = []
    value_style = aux.get("value", "code_name")
    for kind in canonical.DIMENSION_LINE_COLUMNS:
        if kind not in mapped:
            continue
        column = mapped[kind]
        table = parser.distinct(column).with_columns(cell=text("raw"))
        if value_style == "code":
            table = table.with_columns(code=pl.col("cell"), name=pl.lit(None, pl.String))
        else:
            parts = pl.col("cell").str.extract_groups(
                r"^\s*(?:\[(?P<c1>[^\]]+)\]|(?P<c2>\S+))\s*(?P<name>.*?)\s*$"
            )
            table = (
                table.with_columns(parts.alias("p"))
                .with_columns(
                    code=pl.coalesce(pl.col("p").struct.field("c1"), pl.col("p").struct.field("c2")),
                    name=pl.col("p").struct.field("name"),
                )
                .with_columns(name=pl.when(pl.col("name") == "").then(None).otherwise(pl.col("name")))
            )
        out[kind] = parser.back(column, table, "code")
        found.append(
            table.filter(pl.col("code").is_not_null()).select(pl.lit(kind).alias("type"), "code", "name")
        )
    if "auxiliary" in mapped:
        column = mapped["auxiliary"]
        codes, dims = _combined_auxiliary(parser, column, options)
        for kind, series in codes.items():
            if not kind.startswith("first_"):
                out[kind] = series
        found.append(dims)
    if not found:
        return pl.DataFrame(schema=canonical.DIMENSIONS)
    return canonical.conform("dimensions", pl.concat(found, how="diagonal_relaxed"))


def _combined_auxiliary(
    parser: CellParser, column: str, options: dict
) -> tuple[dict[str, pl.Series], pl.DataFrame]:
    """U8-style auxiliary cells "客户:001 某公司;部门:01 财务部" → dimension columns."""
    labels = _aux_labels(options)
    table = parser.distinct(column).with_row_index("id").with_columns(cell=text("raw"))
    items = (
        table.select("id", pl.col("cell").str.replace_all(r"[;；,，|\n]+", ";").str.split(";").alias("item"))
        .explode("item")
        .filter(pl.col("item").str.strip_chars() != "")
        .with_columns(pl.col("item").str.extract_groups(AUX_ITEM).alias("p"))
        .with_columns(
            label=pl.col("p").struct.field("1"),
            code=pl.col("p").struct.field("2"),
            name=pl.col("p").struct.field("3"),
        )
    )
    unreadable = items.filter(pl.col("code").is_null())
    if unreadable.height:
        parser.fail_values(
            column,
            table,
            pl.col("id").is_in(unreadable["id"].implode()),
            "not_auxiliary_items",
        )
    # Kinds without a canonical column become "other" dimensions coded "label:code" (as SAF-T's).
    items = items.with_columns(
        known=pl.col("label").map_elements(lambda v: labels.get(coretext.key(v)), return_dtype=pl.String)
    ).with_columns(
        type=pl.coalesce("known", pl.lit("other")),
        code=pl.when(pl.coalesce("known", pl.lit("other")) == "other")
        .then(pl.col("label") + ":" + pl.col("code"))
        .otherwise(pl.col("code")),
    )
    result: dict[str, pl.Series] = {}
    for kind in canonical.DIMENSION_LINE_COLUMNS:
        picked = (
            items.filter(pl.col("type") == kind).group_by("id").agg(pl.col("code").first().alias("value"))
        )
        if picked.height:
            result[kind] = parser.back(column, table.join(picked, on="id", how="left"))
    others = items.filter(pl.col("type") == "other")
    if others.height:
        joined = others.group_by("id", maintain_order=True).agg(
            ("other:" + pl.col("code")).str.join(";").alias("value")
        )
        result["other_dimensions"] = parser.back(column, table.join(joined, on="id", how="left"))
    first = items.group_by("id", maintain_order=True).agg(pl.col("type").first(), pl.col("code").first())
    first_table = table.join(first, on="id", how="left")
    result["first_type"] = parser.back(column, first_table, "type")
    result["first_code"] = parser.back(column, first_table, "code")
    dims = items.select("type", "code", "name")
    return result, dims


# --- balances -------------------------------------------------------------------------------------


def _balances(parser: CellParser, mapped: dict[str, str], options: dict):
    parser = _drop_totals(parser, mapped, ["account_code", "account_name"], options)
    frame = parser.frame
    col = mapped.get
    code = parser.per_value(col("account_code"), _code("raw"))
    keep = code.is_not_null()
    if not keep.all():
        parser.report_where(
            pl.Series(~keep),
            "info",
            "rows_without_account",
            col("account_code"),
        )
        parser = CellParser(frame.filter(keep), parser.name, sink=parser.sink, options=parser.options)
        frame = parser.frame
        code = code.filter(keep)
    out: dict[str, pl.Series] = {"account_code": code}
    amount_fields = [
        "opening",
        "opening_debit",
        "opening_credit",
        "debit",
        "credit",
        "closing",
        "closing_debit",
        "closing_credit",
        "opening_fx",
        "closing_fx",
    ]
    values = parser.amounts([col(f) for f in amount_fields if f in mapped])
    zero = pl.lit(0, dtype=canonical.AMOUNT)

    def value(target: str) -> pl.Series | None:
        return values.get(col(target)) if target in mapped else None

    for side in ("opening", "closing"):
        d, c = value(f"{side}_debit"), value(f"{side}_credit")
        if d is not None or c is not None:
            n = frame.height
            work = pl.DataFrame(
                {
                    "d": d if d is not None else pl.Series([None] * n, dtype=canonical.AMOUNT),
                    "c": c if c is not None else pl.Series([None] * n, dtype=canonical.AMOUNT),
                }
            )
            out[side] = work.select(
                (pl.col("d").fill_null(zero) - pl.col("c").fill_null(zero)).cast(canonical.AMOUNT).alias("v")
            )["v"]
        elif value(side) is not None:
            amount = value(side)
            if f"{side}_direction" in mapped:
                sign = parser.directions(col(f"{side}_direction"))
                out[side] = pl.DataFrame({"a": amount, "s": sign}).select(
                    pl.when(pl.col("s") == -1)
                    .then(-pl.col("a").abs())
                    .when(pl.col("s") == 0)
                    .then(zero)
                    .otherwise(pl.col("a"))
                    .cast(canonical.AMOUNT)
                    .alias("v")
                )["v"]
            else:
                out[side] = amount
        fx = value(f"{side}_fx")
        if fx is not None:
            out[f"{side}_fx"] = fx
    for side in ("debit", "credit"):
        if value(side) is not None:
            out[side] = pl.DataFrame({"v": value(side)}).select(pl.col("v").fill_null(zero))["v"]
    for side in ("opening_quantity", "closing_quantity"):
        if side in mapped:
            out[side] = parser.decimals([col(side)], scale=6, precision=24, what="quantity")[col(side)]
    if "currency" in mapped:
        out["currency"] = _currency(parser, col("currency"), options)
    dims = pl.DataFrame(schema=canonical.DIMENSIONS)
    if "dimension_type" in mapped and "dimension_code" in mapped:
        labels = _aux_labels(options)
        out["dimension_type"] = _series(parser, text(col("dimension_type")), "t").map_elements(
            lambda v: labels.get(coretext.key(v), "other"), return_dtype=pl.String
        )
        out["dimension_code"] = parser.per_value(col("dimension_code"), _code("raw"))
    elif "auxiliary" in mapped:
        codes, dims = _combined_auxiliary(parser, col("auxiliary"), options)
        out["dimension_type"] = codes["first_type"]
        out["dimension_code"] = codes["first_code"]
        dims = canonical.conform("dimensions", dims)
    account_names = {}
    if "account_name" in mapped:
        pairs = pl.DataFrame({"c": code, "n": _series(parser, text(col("account_name")), "n")})
        account_names = dict(pairs.drop_nulls().unique("c", keep="first", maintain_order=True).iter_rows())
    balances = canonical.conform("balances", pl.DataFrame(out))
    keys = ["account_code", "dimension_type", "dimension_code", "currency"]
    duplicated = balances.select(pl.struct(keys).is_duplicated()).to_series()
    if duplicated.any():
        parser.fail_where(pl.Series(duplicated), "account_twice", col("account_code"))
    return balances, dims, account_names


# --- chart of accounts ----------------------------------------------------------------------------


def _accounts(parser: CellParser, mapped: dict[str, str], options: dict) -> pl.DataFrame:
    parser = _drop_totals(parser, mapped, ["account_code", "account_name"], options)
    col = mapped.get
    code = parser.per_value(col("account_code"), _code("raw"))
    parser.fail_where(pl.Series(code.is_null()), "empty_account_code", col("account_code"))
    parser.fail_where(pl.Series(code.is_duplicated()), "account_twice", col("account_code"))
    codes = code.to_list()
    parents, levels = hierarchy(codes)
    if "parent_code" in mapped:
        given = parser.per_value(col("parent_code"), _code("raw")).to_list()
        parents = [g if g is not None else d for g, d in zip(given, parents, strict=True)]
    if "level" in mapped:
        given_levels = parser.integers(col("level"), what="level").to_list()
        levels = [g if g is not None else d for g, d in zip(given_levels, levels, strict=True)]
    derived = derive_accounts(codes, chart=None if options.get("chart") == "none" else "cas")
    type_of = dict(zip(codes, derived["type"].to_list(), strict=True))
    normal_of = dict(zip(codes, derived["normal_balance"].to_list(), strict=True))
    types = [type_of[c] for c in codes]
    if "account_type" in mapped:
        words = {coretext.key(k): v for k, v in ACCOUNT_TYPE_WORDS.items()}
        given_types = _series(parser, text(col("account_type")), "t").to_list()
        types = [words.get(coretext.key(g), t) if g else t for g, t in zip(given_types, types, strict=True)]
    normals = [normal_of[c] for c in codes]
    if "normal_balance" in mapped:
        signs = parser.directions(col("normal_balance")).to_list()
        normals = [{1: "D", -1: "C"}.get(s, n) for s, n in zip(signs, normals, strict=True)]
    dimension_types = [[] for _ in codes]
    if "dimension_types" in mapped:
        labels = _aux_labels(options)
        cells = _series(parser, text(col("dimension_types")), "d").to_list()
        dimension_types = [
            sorted(
                {
                    labels.get(coretext.key(part), "other")
                    for part in re.split(r"[/／,，;；、\s]+", cell or "")
                    if part
                }
            )
            for cell in cells
        ]
    currency = [None] * len(codes)
    if "currency" in mapped:
        currency = _currency(parser, col("currency"), options).to_list()
        currency = [None if c in ("", "否", "无", "N", "0") else c for c in currency]
    leaf = set(codes) - {p for p in parents if p}
    return canonical.conform(
        "accounts",
        pl.DataFrame(
            {
                "code": codes,
                "name": _series(parser, text(col("account_name")), "n"),
                "level": pl.Series(levels, dtype=pl.Int32),
                "parent_code": pl.Series(parents, dtype=pl.String),
                "type": pl.Series(types, dtype=pl.String),
                "normal_balance": pl.Series(normals, dtype=pl.String),
                "is_leaf": [c in leaf for c in codes],
                "dimension_types": pl.Series(dimension_types, dtype=pl.List(pl.String)),
                "currency": pl.Series(currency, dtype=pl.String),
            }
        ),
    )
