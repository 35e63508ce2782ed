"""GB/T 24589.1-2010 XML (enterprise): writing (`gbt24589.write` calls `write` here). The element
names are in `gbt24589_map`, the format's names and reading in `gbt24589`.

Writing produces the same tables as are read (options: `encoding` GB18030 (default) or UTF-8;
`layout` "modules" (a directory with 公共档案.xml and 总账.xml, the default for a directory
target), "single" (one file holding both modules, the default for a target ending in .xml) or a
target ending in .zip).
"""

from __future__ import annotations

import io
import zipfile
from decimal import Decimal
from pathlib import Path

import polars as pl

from cpahub.ledgers import canonical
from cpahub.ledgers.formats import FormatError, xmlsafe
from cpahub.ledgers.formats import gbt24589_map as M
from cpahub.ledgers.formats.gbt24589 import AUX, DIMENSION_COLUMNS, KIND_ORDER

LOSS_MESSAGES = {
    "value_truncated": "values were cut",
    "character_dropped": "characters XML cannot carry were dropped",
    "entered_at_not_written": "entry times are not part of GB/T 24589 记账凭证",
    "too_many_auxiliary_items": "accounts with more than 30 auxiliary items: the items after the 30th were left out",
    "users_not_written": "the users table is not part of GB/T 24589",
}


def write(source, target: Path, *, options: dict | None = None) -> list[Path]:
    """Write `source` as GB/T 24589.1-2010 XML; returns the files written. See the module docstring."""
    options = dict(options or {})
    target = Path(target)
    encoding = str(options.get("encoding") or "GB18030").upper().replace("UTF8", "UTF-8")
    if encoding not in ("GB18030", "UTF-8"):
        raise FormatError(f"option encoding: {encoding!r} (GB18030 or UTF-8)")
    layout = options.get("layout") or (
        "zip"
        if target.suffix.lower() == ".zip"
        else "single"
        if target.suffix.lower() == ".xml"
        else "modules"
    )
    losses = xmlsafe.Losses(options, target.name)
    writer = _Writer(source, options, losses)
    if layout == "single":
        with _encoded(target, encoding) as out:
            out.write(f'<?xml version="1.0" encoding="{encoding}"?>\n')
            out.write(f'<会计核算数据 xmlns="{M.NAMESPACE}">\n')
            writer.public(out, nested=True)
            writer.ledger(out, nested=True)
            out.write("</会计核算数据>\n")
        written = [target]
    elif layout in ("modules", "zip"):
        folder = target if layout == "modules" else target.with_suffix("")
        if layout == "zip":
            folder = Path(str(target) + ".parts")
        folder.mkdir(parents=True, exist_ok=True)
        written = []
        for module, method in (("公共档案", writer.public), ("总账", writer.ledger)):
            path = folder / f"{module}.xml"
            with _encoded(path, encoding) as out:
                out.write(f'<?xml version="1.0" encoding="{encoding}"?>\n')
                method(out, nested=False)
            written.append(path)
        if layout == "zip":
            with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
                for path in written:
                    archive.write(path, path.name)
            for path in written:
                path.unlink()
            folder.rmdir()
            written = [target]
    else:
        raise FormatError(f"option layout: {layout!r} (modules, single or zip)")
    losses.flush(LOSS_MESSAGES)
    return written


class _encoded:
    """A text file in `encoding` (GB18030 or UTF-8), large buffer."""

    def __init__(self, path: Path, encoding: str):
        self.handle = path.open("w", encoding=encoding.lower(), newline="\n", buffering=4 * 1024 * 1024)

    def __enter__(self) -> io.TextIOBase:
        return self.handle

    def __exit__(self, *exc) -> None:
        self.handle.close()


def _escape(expr: pl.Expr) -> pl.Expr:
    return expr.str.replace_all(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]", "").str.replace_many(
        ["&", "<", ">", "\r"], ["&amp;", "&lt;", "&gt;", "&#13;"]
    )


def _element(name: str, expr: pl.Expr, kind: str = "text") -> pl.Expr:
    """`<name>value</name>`, or nothing when the value is null."""
    if kind == "text":
        value = _escape(expr.cast(pl.String))
    elif kind == "date":
        value = expr.dt.strftime("%Y%m%d")
    else:
        value = expr.cast(pl.String)
    return (
        pl.when(expr.is_null()).then(pl.lit("")).otherwise(pl.lit(f"<{name}>") + value + pl.lit(f"</{name}>"))
    )


def _rows(frame: pl.DataFrame, table: str, parts: list[pl.Expr]) -> pl.Series:
    """One XML row per frame row."""
    if not frame.height:
        return pl.Series([], dtype=pl.String)
    return frame.select(pl.concat_str([pl.lit(f"<{table}>"), *parts, pl.lit(f"</{table}>")]).alias("x"))["x"]


class _Writer:
    def __init__(self, source, options: dict, losses: xmlsafe.Losses):
        self.source = source
        self.options = options
        self.losses = losses
        entity = canonical.collect(source, "entity")
        self.entity = entity.row(0, named=True) if entity.height else dict.fromkeys(canonical.ENTITY)
        self.currency = self.entity.get("currency") or "CNY"
        self.lines = source.lazy("lines")
        self.dimensions = canonical.collect(source, "dimensions")
        self.balances = canonical.collect(source, "balances")
        self.accounts = canonical.collect(source, "accounts")
        self.slots = self._slots()

    # -- auxiliary items --

    def _slots(self) -> pl.DataFrame:
        """(account_code, kind, qualifier, occurrence, slot) for every auxiliary item written."""
        uses = [self._line_uses().select("account_code", "kind", "qualifier", "occurrence").unique()]
        dims = self.balances.filter(pl.col("dimension_type").is_not_null()).select(
            "account_code",
            pl.col("dimension_type").alias("kind"),
            _qualifier(pl.col("dimension_type"), pl.col("dimension_code")).alias("qualifier"),
            pl.lit(1, dtype=pl.UInt32).alias("occurrence"),
        )
        uses.append(dims)
        declared = (
            self.accounts.select("code", "dimension_types")
            .explode("dimension_types")
            .filter(pl.col("dimension_types").is_not_null() & (pl.col("dimension_types") != "other"))
            .select(
                pl.col("code").alias("account_code"),
                pl.col("dimension_types").alias("kind"),
                pl.lit(None, dtype=pl.String).alias("qualifier"),
                pl.lit(1, dtype=pl.UInt32).alias("occurrence"),
            )
        )
        uses.append(declared)
        frame = (
            pl.concat([u.with_columns(pl.col("occurrence").cast(pl.UInt32)) for u in uses])
            .filter(pl.col("account_code").is_not_null())
            .unique()
            .with_columns(
                pl.col("kind").replace_strict(KIND_ORDER, default=99, return_dtype=pl.Int32).alias("__order")
            )
            .sort("account_code", "__order", "qualifier", "occurrence", nulls_last=False)
            .with_columns(pl.int_range(1, pl.len() + 1).over("account_code").cast(pl.Int32).alias("slot"))
            .drop("__order")
        )
        over = frame.filter(pl.col("slot") > M.AUX_SLOTS)
        if over.height:
            self.losses.add(
                "too_many_auxiliary_items",
                ", ".join(over["account_code"].unique().head(5).to_list()),
                over.height,
            )
        return frame.filter(pl.col("slot") <= M.AUX_SLOTS)

    def _line_uses(self, lines: pl.LazyFrame | pl.DataFrame | None = None) -> pl.DataFrame:
        """(__row, account_code, kind, qualifier, occurrence, value) for every dimension value of the lines."""
        lazy = (self.lines if lines is None else lines.lazy()).with_row_index("__row")
        columns = lazy.select(
            "__row", "account_code", *[pl.col(k).alias(k) for k in DIMENSION_COLUMNS]
        ).unpivot(
            index=["__row", "account_code"], on=DIMENSION_COLUMNS, variable_name="kind", value_name="code"
        )
        columns = columns.filter(pl.col("code").is_not_null()).with_columns(
            pl.lit(0, dtype=pl.Int32).alias("__pos")
        )
        others = (
            lazy.select("__row", "account_code", pl.col("other_dimensions").str.split(";").alias("entry"))
            .filter(pl.col("entry").is_not_null())
            .with_columns(
                pl.int_ranges(1, pl.col("entry").list.len() + 1).cast(pl.List(pl.Int32)).alias("__pos")
            )
            .explode("entry", "__pos")
            .filter(pl.col("entry").str.strip_chars() != "")
            .with_columns(pl.col("entry").str.splitn(":", 2).struct.rename_fields(["kind", "code"]))
            .unnest("entry")
            .select("__row", "account_code", "kind", "code", "__pos")
        )
        both = pl.concat([columns, others]).with_columns(
            _qualifier(pl.col("kind"), pl.col("code")).alias("qualifier")
        )
        both = both.sort("__row", "__pos").with_columns(
            pl.int_range(1, pl.len() + 1)
            .over("__row", "kind", "qualifier")
            .cast(pl.UInt32)
            .alias("occurrence")
        )
        return both.with_columns(_value(pl.col("kind"), pl.col("code")).alias("value")).collect()

    # -- 公共档案 --

    def public(self, out, *, nested: bool) -> None:
        out.write("<公共档案>\n" if nested else f'<公共档案 xmlns="{M.NAMESPACE}">\n')
        entity = self.entity
        t = "电子账簿"
        book = pl.DataFrame(
            [
                {
                    "book_code": self.options.get("book_code") or "1",
                    "book_name": entity.get("name"),
                    "entity_name": entity.get("name"),
                    "credit_code": entity.get("credit_code"),
                    "developer": "cpahub",
                    "software_version": canonical.VERSION,
                    "currency": self.currency,
                    "fiscal_year": entity.get("fiscal_year"),
                    "standard_version": M.STANDARD,
                }
            ],
            schema=dict.fromkeys(
                (
                    "book_code",
                    "book_name",
                    "entity_name",
                    "credit_code",
                    "developer",
                    "software_version",
                    "currency",
                ),
                pl.String,
            )
            | {"fiscal_year": pl.Int32, "standard_version": pl.String},
        )
        self._write(
            out,
            book,
            t,
            [
                "book_code",
                "book_name",
                "entity_name",
                "credit_code",
                "developer",
                "software_version",
                "currency",
                "fiscal_year",
                "standard_version",
            ],
        )
        periods = canonical.collect(self.source, "periods")
        self._write(
            out,
            periods,
            "会计期间",
            ["fiscal_year", "period", "start", "end"],
            kinds={"start": "date", "end": "date"},
        )
        types = self.lines.select(pl.col("voucher_type").unique().sort()).collect().drop_nulls()
        self._write(
            out,
            types.select(pl.col("voucher_type").alias("code"), pl.col("voucher_type").alias("name")),
            "记账凭证类型",
            ["code", "name"],
        )
        currencies = (
            self.lines.select(pl.col("currency")).unique().collect().drop_nulls()["currency"].to_list()
        )
        codes = sorted({self.currency, *currencies})
        self._write(out, pl.DataFrame({"code": codes, "name": codes}), "币种", ["code", "name"])
        dims = self.dimensions
        self._write(
            out, dims.filter(pl.col("type") == "department"), "部门档案", ["code", "name", "parent_code"]
        )
        self._write(out, dims.filter(pl.col("type") == "employee"), "员工档案", ["code", "name"])
        self._write(
            out, dims.filter(pl.col("type") == "supplier"), "供应商档案", ["code", "name", "credit_code"]
        )
        self._write(
            out, dims.filter(pl.col("type") == "customer"), "客户档案", ["code", "name", "credit_code"]
        )
        custom = (
            dims.filter(pl.col("type").is_in(["project", "inventory", "other"]))
            .with_columns(
                archive=_qualifier(pl.col("type"), pl.col("code")).fill_null(""),
                value=_value(pl.col("type"), pl.col("code")),
                parent=pl.when(pl.col("parent_code").is_null())
                .then(None)
                .otherwise(_value(pl.col("type"), pl.col("parent_code"))),
            )
            .with_columns(
                archive=pl.when(pl.col("type") == "project")
                .then(pl.lit("项目"))
                .when(pl.col("type") == "inventory")
                .then(pl.lit("存货"))
                .otherwise(pl.col("archive"))
            )
        )
        slot_archives = self.slots.filter(pl.col("kind").is_in(["project", "inventory", "other"])).select(
            archive=pl.when(pl.col("kind") == "project")
            .then(pl.lit("项目"))
            .when(pl.col("kind") == "inventory")
            .then(pl.lit("存货"))
            .otherwise(pl.col("qualifier").fill_null(M.OTHER_ARCHIVE))
        )
        archives = sorted(set(custom["archive"].to_list()) | set(slot_archives["archive"].to_list()))
        self._write(
            out,
            pl.DataFrame({"code": archives, "name": archives}, schema={"code": pl.String, "name": pl.String}),
            "自定义档案项",
            ["code", "name"],
        )
        self._write(
            out,
            custom.select(
                pl.col("archive"),
                pl.col("value").alias("code"),
                "name",
                pl.col("parent").alias("parent_code"),
            ),
            "自定义档案项值",
            ["archive", "code", "name", "parent_code"],
        )
        out.write("</公共档案>\n")

    # -- 总账 --

    def ledger(self, out, *, nested: bool) -> None:
        out.write("<总账>\n" if nested else f'<总账 xmlns="{M.NAMESPACE}">\n')
        accounts = self.accounts.with_columns(
            pl.col("type")
            .replace_strict(M.ACCOUNT_TYPE_NAMES, default=None, return_dtype=pl.String)
            .alias("type_name"),
            pl.col("normal_balance")
            .replace_strict({"D": "借", "C": "贷"}, default=None, return_dtype=pl.String)
            .alias("side"),
        )
        self._write(
            out,
            accounts,
            "会计科目",
            ["code", "name", "level", "type", "normal_balance"],
            sources={"type": "type_name", "normal_balance": "side"},
        )
        items = self.slots.sort("account_code", "slot").with_columns(
            item=_item_name(pl.col("kind"), pl.col("qualifier"), pl.col("occurrence")),
            archive=pl.col("kind").replace_strict(
                {k: v[1] for k, v in M.KIND_ITEMS.items()}, default="自定义档案项值", return_dtype=pl.String
            ),
        )
        self._write(
            out,
            items.select(
                pl.col("account_code").alias("account"), "item", pl.col("item").alias("name"), "archive"
            ),
            "科目辅助核算",
            ["account", "item", "name", "archive"],
        )
        flows = canonical.collect(self.source, "cash_flow_items")
        self._write(out, flows, "现金流量项目", ["code", "name", "direction"])
        self._write_balances(out)
        self._write_lines(out)
        out.write("</总账>\n")

    def _aux_columns(self, frame: pl.DataFrame, uses: pl.DataFrame) -> pl.DataFrame:
        """frame with aux1..auxN text columns from `uses` (__row, account_code, kind, qualifier, occurrence, value)."""
        if not uses.height:
            return frame
        placed = uses.join(
            self.slots, on=["account_code", "kind", "qualifier", "occurrence"], how="inner", nulls_equal=True
        )
        if not placed.height:
            return frame
        wide = placed.with_columns(pl.format("aux{}", pl.col("slot")).alias("slot_name")).pivot(
            index="__row", on="slot_name", values="value", aggregate_function="first"
        )
        return frame.with_row_index("__row").join(wide, on="__row", how="left").drop("__row")

    def _write_balances(self, out) -> None:
        balances = self.balances
        if not balances.height:
            return
        periods = (
            canonical.collect(self.source, "periods")
            .drop_nulls(["fiscal_year", "period"])
            .sort("fiscal_year", "period")
        )
        last = (
            periods.row(-1, named=True)
            if periods.height
            else {"fiscal_year": self.entity.get("fiscal_year"), "period": None}
        )
        uses = (
            balances.with_row_index("__row")
            .filter(pl.col("dimension_type").is_not_null())
            .select(
                "__row",
                "account_code",
                pl.col("dimension_type").alias("kind"),
                _qualifier(pl.col("dimension_type"), pl.col("dimension_code")).alias("qualifier"),
                pl.lit(1, dtype=pl.UInt32).alias("occurrence"),
                _value(pl.col("dimension_type"), pl.col("dimension_code")).alias("value"),
            )
        )
        frame = self._aux_columns(balances, uses)

        def side(amount: str, fx: str) -> pl.Expr:
            basis = (
                pl.when(pl.col(amount).fill_null(0) != 0)
                .then(pl.col(amount))
                .otherwise(pl.col(fx).fill_null(0))
            )
            return (
                pl.when(basis > 0)
                .then(pl.lit("借"))
                .when(basis < 0)
                .then(pl.lit("贷"))
                .otherwise(pl.lit("平"))
            )

        zero = pl.lit(Decimal(0), dtype=canonical.AMOUNT)
        frame = frame.with_columns(
            pl.lit(last["fiscal_year"], dtype=pl.Int32).alias("fiscal_year"),
            pl.lit(last["period"], dtype=pl.Int32).alias("period"),
            pl.col("currency").fill_null(self.currency).alias("currency_code"),
            side("opening", "opening_fx").alias("opening_side"),
            side("closing", "closing_fx").alias("closing_side"),
            pl.col("opening").fill_null(zero).abs().alias("opening"),
            pl.col("closing").fill_null(zero).abs().alias("closing"),
            pl.col("opening_fx").abs(),
            pl.col("closing_fx").abs(),
            pl.col("opening_quantity").abs(),
            pl.col("closing_quantity").abs(),
        )
        fields = [
            "fiscal_year",
            "period",
            "account_code",
            *[a for a in AUX if a in frame.columns],
            "currency",
        ]
        fields += [
            "opening_side",
            "opening",
            "opening_fx",
            "opening_quantity",
            "debit",
            "credit",
            "closing_side",
            "closing",
            "closing_fx",
            "closing_quantity",
        ]
        self._write(
            out,
            frame,
            "科目余额及发生额",
            fields,
            sources={"currency": "currency_code"},
            kinds={"opening": "number", "closing": "number", "debit": "number", "credit": "number"},
        )

    def _write_lines(self, out) -> None:
        table = "记账凭证"
        total = self.lines.select(pl.len()).collect().item()
        entered = self.lines.select(pl.col("entered_at").is_not_null().sum()).collect().item()
        if entered:
            self.losses.add("entered_at_not_written", "", entered)
        zero = pl.lit(Decimal(0), dtype=canonical.AMOUNT)
        for offset in range(0, total, 200_000):
            chunk = self.lines.slice(offset, 200_000).collect()
            uses = self._line_uses(chunk)
            frame = self._aux_columns(chunk, uses)
            foreign = pl.col("currency").is_not_null() & pl.col("fx_amount").is_not_null()
            frame = frame.with_columns(
                pl.col("currency").fill_null(self.currency).alias("currency_code"),
                pl.when(foreign & (pl.col("fx_amount") >= 0)).then(pl.col("fx_amount")).alias("debit_fx"),
                pl.when(foreign & (pl.col("fx_amount") < 0)).then(-pl.col("fx_amount")).alias("credit_fx"),
                pl.when(pl.col("quantity") >= 0).then(pl.col("quantity")).alias("debit_quantity"),
                pl.when(pl.col("quantity") < 0).then(-pl.col("quantity")).alias("credit_quantity"),
                pl.col("debit").fill_null(zero),
                pl.col("credit").fill_null(zero),
                pl.when(pl.col("posted").is_null())
                .then(None)
                .otherwise(pl.col("posted").cast(pl.Int8).cast(pl.String))
                .alias("posted"),
                pl.when(pl.col("void").is_null())
                .then(None)
                .otherwise(pl.col("void").cast(pl.Int8).cast(pl.String))
                .alias("void"),
            )
            fields = [
                "voucher_date",
                "fiscal_year",
                "period",
                "voucher_type",
                "voucher_number",
                "line_number",
                "description",
                "account_code",
                *[a for a in AUX if a in frame.columns],
                "currency",
                "debit_quantity",
                "debit_fx",
                "debit",
                "credit_quantity",
                "credit_fx",
                "credit",
                "fx_rate",
                "attachments",
                "preparer",
                "reviewer",
                "poster",
                "posted",
                "void",
                "source",
            ]
            self._write(
                out,
                frame,
                table,
                fields,
                sources={"currency": "currency_code"},
                kinds={"voucher_date": "date", "debit": "number", "credit": "number"},
            )

    def _write(
        self,
        out,
        frame: pl.DataFrame,
        table: str,
        fields: list[str],
        *,
        sources: dict[str, str] | None = None,
        kinds: dict[str, str] | None = None,
    ) -> None:
        if not frame.height:
            return
        sources = sources or {}
        kinds = kinds or {}
        spec = M.TABLES[table]
        parts = []
        for field in fields:
            column = sources.get(field, field)
            if column not in frame.columns:
                continue
            kind = kinds.get(field) or ("text" if frame.schema[column] == pl.String else "number")
            parts.append(_element(spec[field].names[0], pl.col(column), kind))
        bad = frame.select(
            pl.sum_horizontal(
                [
                    pl.col(c).str.contains(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]").fill_null(False)
                    for c in frame.columns
                    if frame.schema[c] == pl.String
                ]
                or [pl.lit(0)]
            ).sum()
        ).item()
        if bad:
            self.losses.add("character_dropped", table, int(bad))
        rows = _rows(frame, table, parts)
        for start in range(0, rows.len(), 50_000):
            out.write("\n".join(rows.slice(start, 50_000).to_list()))
            out.write("\n")


def _qualifier(kind: pl.Expr, code: pl.Expr) -> pl.Expr:
    """The custom archive of an "other" dimension code "TYPE:VALUE" (其他 when it has none)."""
    has_type = code.str.contains(":", literal=True)
    return (
        pl.when(kind != "other")
        .then(pl.lit(None, dtype=pl.String))
        .when(has_type)
        .then(code.str.splitn(":", 2).struct.field("field_0"))
        .otherwise(pl.lit(M.OTHER_ARCHIVE))
    )


def _value(kind: pl.Expr, code: pl.Expr) -> pl.Expr:
    """The value of a dimension code within its archive (the part after "TYPE:" for "other")."""
    has_type = code.str.contains(":", literal=True)
    return (
        pl.when((kind == "other") & has_type)
        .then(code.str.splitn(":", 2).struct.field("field_1"))
        .otherwise(code)
    )


def _item_name(kind: pl.Expr, qualifier: pl.Expr, occurrence: pl.Expr) -> pl.Expr:
    base = (
        pl.when(kind == "other")
        .then(qualifier.fill_null(M.OTHER_ARCHIVE))
        .otherwise(
            kind.replace_strict(
                {k: v[0] for k, v in M.KIND_ITEMS.items()}, default=None, return_dtype=pl.String
            )
        )
    )
    return pl.when(occurrence > 1).then(base + "#" + occurrence.cast(pl.String)).otherwise(base)
