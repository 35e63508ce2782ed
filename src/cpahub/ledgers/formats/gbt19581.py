"""GB/T 19581-2004 text files (the older Chinese accounting-software interface): read only.

A set of delimited text files, in a directory or a zip: GSSM (格式说明, the description), DZZB
(电子账簿), KJKM (会计科目), KMYE (科目余额及发生额) and JZPZ (记账凭证), named by these codes
(any extension, any case). GB18030 is common; encodings are detected as for every text format
(`formats/textio.py`), as are decimal marks and dates.

What is assumed, because the text of the standard could not be checked (docs/data-standard/
formats.md says the same): each data file starts with a header line naming its fields with the
standard's element names (the names of `TABLES` below, one easy table to correct); when a file has
no such line, GSSM may list the fields of the file as `JZPZ=凭证日期,凭证种类,...`; GSSM may also name
the delimiter (`字段分隔符=,`) and the encoding (`字符集=GB18030`). Otherwise the delimiter is taken
from the header line. 辅助核算组 holds the auxiliary values of a line as items separated by ; / |
or 、, each "类别:编码" or a bare code matched by position with the account's 辅助核算项.
Balances without 期初/期末余额方向 are signed by the account's 余额方向 or debit-positive, whichever
makes the balances roll forward (reported; the option `balance_sign` = normal | debit decides when
the data cannot). Without 会计年度/会计期间 on the lines, year and period come from the voucher date
(reported).
"""

from __future__ import annotations

import datetime
import re
import tempfile
from decimal import Decimal
from pathlib import Path

import polars as pl

from cpahub.core import textio as core_textio
from cpahub.ledgers import canonical
from cpahub.ledgers.formats import FormatError, textio, xmlsafe
from cpahub.ledgers.formats import gbt24589_map as M
from cpahub.ledgers.formats.gbt24589 import account_hierarchy
from cpahub.ledgers.formats.messages import make_issue

FORMAT = "gbt19581"
LABEL = "GB/T 19581-2004 text files (GSSM, DZZB, KJKM, KMYE, JZPZ)"
ROW = textio.ROW
FILES = {
    "GSSM": "格式说明",
    "DZZB": "电子账簿",
    "KJKM": "会计科目",
    "KMYE": "科目余额及发生额",
    "JZPZ": "记账凭证",
}

# file code -> {field: element names (the first is the standard's)}
TABLES: dict[str, dict[str, tuple[str, ...]]] = {
    "DZZB": {
        "book_code": ("电子账簿编号",),
        "book_name": ("电子账簿名称",),
        "entity_name": ("会计核算单位", "单位名称"),
        "credit_code": ("组织机构代码", "统一社会信用代码"),
        "entity_kind": ("单位性质",),
        "industry": ("行业",),
        "developer": ("开发单位",),
        "software_version": ("版本号",),
        "fiscal_year": ("年度", "会计年度"),
        "currency": ("本位币",),
        "coding_rule": ("科目结构", "会计科目结构"),
    },
    "KJKM": {
        "code": ("科目编号", "科目代码"),
        "name": ("科目名称",),
        "level": ("科目级次",),
        "aux_flag": ("辅助核算标志",),
        "aux_items": ("辅助核算项",),
        "type": ("科目类型",),
        "unit": ("计量单位",),
        "normal_balance": ("余额方向",),
    },
    "KMYE": {
        "account_code": ("科目编号", "科目代码"),
        "currency": ("币种",),
        "aux_group": ("辅助核算组",),
        "month": ("会计月度", "会计期间"),
        "opening_side": ("期初余额方向",),
        "opening": ("期初余额",),
        "opening_quantity": ("期初数量",),
        "opening_fx": ("期初外币余额",),
        "debit": ("借方发生额",),
        "debit_quantity": ("借方发生数量",),
        "debit_fx": ("借方外币发生额",),
        "credit": ("贷方发生额",),
        "credit_quantity": ("贷方发生数量",),
        "credit_fx": ("贷方外币发生额",),
        "closing_side": ("期末余额方向",),
        "closing": ("期末余额",),
        "closing_quantity": ("期末数量",),
        "closing_fx": ("期末外币余额",),
    },
    "JZPZ": {
        "voucher_date": ("凭证日期",),
        "fiscal_year": ("会计年度",),
        "period": ("会计期间", "会计月度"),
        "voucher_type": ("凭证种类", "凭证类型"),
        "voucher_number": ("凭证编号", "凭证号"),
        "line_number": ("行号", "分录号", "分录序号"),
        "description": ("摘要",),
        "account_code": ("科目编号", "科目代码"),
        "debit": ("借方金额", "借方本币金额"),
        "credit": ("贷方金额", "贷方本币金额"),
        "currency": ("币种",),
        "debit_fx": ("借方外币金额",),
        "credit_fx": ("贷方外币金额",),
        "fx_rate": ("汇率",),
        "quantity": ("数量",),
        "unit_price": ("单价",),
        "aux_group": ("辅助核算组",),
        "settlement": ("结算方式",),
        "document_type": ("票据类型",),
        "document_number": ("票据号",),
        "document_date": ("票据日期",),
        "attachments": ("附件数",),
        "preparer": ("制单人员", "制单人"),
        "reviewer": ("审核人员", "审核人"),
        "poster": ("记账人员", "记账人"),
        "cashier": ("出纳人员",),
        "posted": ("记账标志", "结账标志"),
        "void": ("作废标志",),
    },
}
TRUE_WORDS = [k for k, v in M.POSTED.items() if v] + [k for k, v in M.VOID.items() if v]
FALSE_WORDS = [k for k, v in M.POSTED.items() if not v] + [k for k, v in M.VOID.items() if not v]
DELIMITER_WORDS = {
    "逗号": ",",
    "制表符": "\t",
    "tab": "\t",
    "竖线": "|",
    "分号": ";",
    ",": ",",
    "|": "|",
    ";": ";",
    "\\t": "\t",
}
ITEM_SEPARATORS = r"[;；|/、]"
MAX_MEMBER = 8 * 1024**3


def _code(name: str) -> str | None:
    stem = name.rsplit("/", 1)[-1].split(".", 1)[0].upper()
    return stem if stem in FILES else None


def sniff(head: bytes, name: str) -> bool:
    if _code(name):
        return True
    if head.startswith(b"PK\x03\x04"):
        size = int.from_bytes(head[26:28], "little")
        try:
            member = head[30 : 30 + size].decode("utf-8", "replace")
        except UnicodeDecodeError:
            return False
        return _code(member) is not None
    return False


def read(path: Path, sink, *, options: dict | None = None, progress=None) -> None:
    options = dict(options or {})
    path = Path(path)
    found = xmlsafe.sources(path, accept=lambda n: _code(n) is not None)
    files = {}
    for source in found:
        code = _code(source.name)
        if code in files:
            raise FormatError.of("gbt19581_two_files", source.name, code=code)
        files[code] = source
    if not set(files) - {"GSSM"}:
        raise FormatError.of("gbt19581_no_files", path.name)
    with tempfile.TemporaryDirectory(prefix="cpahub-gbt19581-") as folder:
        _Reader(files, Path(folder), sink, options, progress).run()


class _Reader:
    def __init__(self, files: dict, folder: Path, sink, options: dict, progress):
        self.files = files
        self.folder = folder
        self.sink = sink
        self.options = options
        self.progress = progress
        self.total = sum(s.size for s in files.values())
        self.done = 0
        self.description: dict = {"fields": {}}

    def run(self) -> None:
        if "GSSM" in self.files:
            self.description = self._description(self.files["GSSM"])
        book = self._table("DZZB")
        chart = self._table("KJKM")
        balances = self._table("KMYE")
        lines = self._table("JZPZ")
        book_row = book.row(0, named=True) if book is not None and book.height else {}
        currency = (book_row.get("currency") or "").strip() or None
        self.local_currency = M.CURRENCY_NAMES.get(
            currency, currency.upper() if currency and currency.isascii() else currency
        )
        self.year = _int_or_none(book_row.get("fiscal_year"))
        accounts = self._accounts(chart, book_row.get("coding_rule"))
        self.aux_items = self._aux_items(accounts)
        if lines is not None:
            self._lines(lines)
        self.sink.put("entity", self._entity(book_row))
        self.sink.put("periods", self._periods())
        self.sink.put(
            "accounts",
            canonical.conform("accounts", accounts.drop("aux_items"))
            if accounts.height
            else canonical.empty("accounts"),
        )
        self.sink.put(
            "balances",
            self._balances(balances, accounts) if balances is not None else canonical.empty("balances"),
        )
        self.sink.put("dimensions", canonical.empty("dimensions"))

    # -- files --

    def _local_path(self, source: xmlsafe.Source) -> Path:
        target = self.folder / (source.name.replace("/", "_"))
        with source.open() as reader, target.open("wb") as writer:
            copied = 0
            while chunk := reader.read(core_textio.CHUNK):
                copied += len(chunk)
                if copied > MAX_MEMBER:
                    raise FormatError.of("member_too_large", source.name, limit=MAX_MEMBER)
                writer.write(chunk)
        return target

    def _description(self, source: xmlsafe.Source) -> dict:
        """GSSM: delimiter, encoding and field lists, as far as it states them."""
        try:
            text, _ = core_textio.decode(source.head(4 * 1024 * 1024))
        except core_textio.TextDecodeError as error:
            raise textio.decode_error(error, source.name) from None
        found: dict = {"fields": {}}
        known = {name for table in TABLES.values() for names in table.values() for name in names}
        codes = {**{c: c for c in FILES}, **{v: k for k, v in FILES.items()}, "科目余额": "KMYE"}
        for line in text.splitlines():
            match = re.match(r"^\s*([^=:：]+?)\s*[=:：]\s*(.*)$", line)
            if not match:
                continue
            key, value = match.group(1), match.group(2).strip()
            if key in ("字段分隔符", "分隔符", "数据项分隔符"):
                found["delimiter"] = DELIMITER_WORDS.get(value.lower(), value[:1] or None)
            elif key in ("字符集", "编码", "字符编码"):
                found["encoding"] = value
            else:
                code = codes.get(key.split(".", 1)[0].upper()) or codes.get(key)
                names = [n.strip() for n in re.split(r"[,，\t|;；、]", value) if n.strip()]
                if code and len([n for n in names if n in known]) >= 2:
                    found["fields"][code] = names
        return found

    def _table(self, code: str) -> pl.DataFrame | None:
        source = self.files.get(code)
        if source is None:
            return None
        path = self._local_path(source)
        encoding = self.options.get("encoding") or self.description.get("encoding")
        names = {name: field for field, aliases in TABLES[code].items() for name in aliases}
        with textio.open_text(path, name=source.name, encoding=encoding) as text:
            delimiter = textio.option_delimiter(self.options.get("delimiter")) or self.description.get(
                "delimiter"
            )
            header, skip, delimiter = self._header(text, code, names, delimiter)
            frame = textio.read_delimited(text, delimiter=delimiter, headers=header, skip_lines=skip)
        self.done += source.size
        if callable(self.progress):
            self.progress(self.done, self.total)
        columns = textio.unique_names(header)
        unknown = [c for c in columns if c not in names]
        if unknown:
            self.sink.report(
                make_issue(
                    "info",
                    "unmapped_fields",
                    source.name,
                    code=code,
                    fields=unknown,
                    field_list=", ".join(unknown),
                )
            )
        renamed = {c: names[c] for c in columns if c in names}
        frame = frame.select([pl.col(c).alias(f) for c, f in renamed.items()] + [pl.col(ROW)])
        frame = frame.with_columns([textio.text(f) for f in renamed.values()])
        missing = [f for f in TABLES[code] if f not in frame.columns]
        frame = frame.with_columns([pl.lit(None, dtype=pl.String).alias(f) for f in missing])
        self.names = getattr(self, "names", {}) | {code: source.name}
        return frame

    def _header(self, text, code: str, names: dict, delimiter: str | None) -> tuple[list[str], int, str]:
        candidates = [delimiter] if delimiter else [",", "\t", "|", ";"]
        lines = text.head.splitlines()[:20]
        best = None
        for number, line in enumerate(lines):
            for candidate in candidates:
                cells = [c.strip().strip('"').lstrip("\ufeff") for c in line.split(candidate)]
                hits = sum(1 for c in cells if c in names)
                if hits >= 2 and (best is None or hits > best[0]):
                    best = (hits, cells, number, candidate)
            if best is not None:
                break
        if best is not None:
            return best[1], best[2] + 1, best[3]
        listed = self.description["fields"].get(code)
        if listed:
            chosen = delimiter or core_textio.sniff_delimiter(text.head)
            return listed, 0, chosen
        raise FormatError.of(
            "gbt19581_no_header",
            f"{text.name}:1",
            code=code,
            table=FILES[code],
            examples=", ".join(list(names)[:4]),
        )

    # -- accounts --

    def _accounts(self, chart: pl.DataFrame | None, rule: str | None) -> pl.DataFrame:
        if chart is None or not chart.height:
            return pl.DataFrame(schema=canonical.ACCOUNTS | {"aux_items": pl.String})
        name = self.names["KJKM"]
        parser = textio.CellParser(chart, name, sink=self.sink, options=self.options)
        level = parser.integers("level")
        frame = chart.with_columns(level.cast(pl.Int32).alias("level"))
        frame = xmlsafe.mapped(
            frame.rename({ROW: xmlsafe.LINE}),
            "type",
            M.ACCOUNT_TYPES,
            name=name,
            label="科目类型",
            dtype=pl.String,
            table_hint="gbt24589_map.ACCOUNT_TYPES",
            unknown="unknown",
            sink=self.sink,
        )
        frame = xmlsafe.mapped(
            frame,
            "normal_balance",
            {k: v for k, v in M.DIRECTIONS.items() if v != "0"},
            name=name,
            label="余额方向",
            dtype=pl.String,
            table_hint="gbt24589_map.DIRECTIONS",
        )
        codes = [c for c in frame["code"].to_list() if c is not None]
        parents, levels = account_hierarchy(codes, rule)
        has_children = {p for p in parents.values() if p}
        kinds = {}
        for code, items in frame.select("code", "aux_items").iter_rows():
            found = [_kind_qualifier(item)[0] for item in _items(items)]
            kinds[code] = sorted(set(found), key=lambda k: canonical.DIMENSION_TYPES.index(k))
        return frame.select(
            "code",
            "name",
            pl.coalesce(
                pl.col("level"), pl.col("code").replace_strict(levels, default=None, return_dtype=pl.Int32)
            ).alias("level"),
            pl.col("code").replace_strict(parents, default=None, return_dtype=pl.String).alias("parent_code"),
            pl.col("type").fill_null("unknown"),
            "normal_balance",
            (~pl.col("code").is_in(list(has_children))).alias("is_leaf"),
            pl.col("code")
            .replace_strict(kinds, default=[], return_dtype=pl.List(pl.String))
            .alias("dimension_types"),
            pl.lit(None, dtype=pl.String).alias("currency"),
            "aux_items",
        )

    def _aux_items(self, accounts: pl.DataFrame) -> dict[str, list[tuple[str, str | None]]]:
        return {
            code: [_kind_qualifier(item) for item in _items(items)]
            for code, items in accounts.select("code", "aux_items").iter_rows()
            if code
        }

    # -- auxiliary values --

    def _dimensions(self, frame: pl.DataFrame) -> pl.DataFrame:
        """(__i, customer ... inventory, other_dimensions) from 辅助核算组."""
        base = frame.select("__i").with_columns(
            [
                pl.lit(None, dtype=pl.String).alias(c)
                for c in [*canonical.DIMENSION_LINE_COLUMNS, "other_dimensions"]
            ]
        )
        groups = frame.select("__i", "account_code", "aux_group").filter(pl.col("aux_group").is_not_null())
        if not groups.height:
            return base
        items = (
            groups.with_columns(
                pl.col("aux_group").str.replace_all(ITEM_SEPARATORS, ";").str.split(";").alias("item")
            )
            .with_columns(pl.int_ranges(0, pl.col("item").list.len()).alias("position"))
            .explode("item", "position")
            .with_columns(pl.col("item").str.strip_chars())
            .filter(pl.col("item") != "")
            .with_columns(pl.col("item").str.replace_all("[：=]", ":").str.splitn(":", 2).alias("parts"))
            .with_columns(
                pl.when(pl.col("parts").struct.field("field_1").is_not_null())
                .then(pl.col("parts").struct.field("field_0"))
                .alias("label"),
                pl.coalesce(
                    pl.col("parts").struct.field("field_1"), pl.col("parts").struct.field("field_0")
                ).alias("code"),
            )
        )
        rows = []
        for index, account, label, code, position in items.select(
            "__i", "account_code", "label", "code", "position"
        ).iter_rows():
            if label:
                kind, qualifier = _kind_qualifier(label)
            else:
                listed = self.aux_items.get(account, [])
                kind, qualifier = listed[position] if position < len(listed) else ("other", "辅助核算")
            value = f"{qualifier}:{code}" if kind == "other" else code
            rows.append((index, kind, value, position))
        resolved = pl.DataFrame(
            rows,
            schema={"__i": pl.UInt32, "kind": pl.String, "code": pl.String, "position": pl.Int64},
            orient="row",
        )
        resolved = resolved.sort("__i", "position").with_columns(
            rank=pl.col("position").rank("ordinal").over("__i", "kind")
        )
        columns = list(canonical.DIMENSION_LINE_COLUMNS)
        first = resolved.filter(pl.col("kind").is_in(columns) & (pl.col("rank") == 1))
        wide = (
            first.pivot(index="__i", on="kind", values="code", aggregate_function="first")
            if first.height
            else first.select("__i")
        )
        rest = (
            resolved.filter(~(pl.col("kind").is_in(columns) & (pl.col("rank") == 1)))
            .group_by("__i", maintain_order=True)
            .agg((pl.col("kind") + ":" + pl.col("code")).str.join(";").alias("other_dimensions"))
        )
        result = base.select("__i").join(wide, on="__i", how="left").join(rest, on="__i", how="left")
        return result.with_columns(
            [
                pl.lit(None, dtype=pl.String).alias(c)
                for c in [*columns, "other_dimensions"]
                if c not in result.columns
            ]
        )

    # -- lines --

    def _lines(self, frame: pl.DataFrame) -> None:
        name = self.names["JZPZ"]
        if not frame.height:
            return
        parser = textio.CellParser(frame, name, sink=self.sink, options=self.options)
        amounts = parser.amounts(
            [c for c in ("debit", "credit", "debit_fx", "credit_fx") if frame[c].null_count() < frame.height]
        )
        rate = (
            parser.decimals(["fx_rate"], scale=8, precision=20)
            if frame["fx_rate"].null_count() < frame.height
            else {}
        )
        quantity = (
            parser.decimals(["quantity"], scale=6, precision=24)
            if frame["quantity"].null_count() < frame.height
            else {}
        )
        dates = parser.dates("voucher_date")
        integers = {
            c: parser.integers(c)
            for c in ("fiscal_year", "period", "line_number", "attachments")
            if frame[c].null_count() < frame.height
        }
        flags = {
            c: parser.booleans(c, true_words=TRUE_WORDS, false_words=FALSE_WORDS)
            for c in ("posted", "void")
            if frame[c].null_count() < frame.height
        }
        typed = frame.with_columns(
            *[s.alias(c) for c, s in amounts.items()],
            *[s.alias(c) for c, s in rate.items()],
            *[s.alias(c) for c, s in quantity.items()],
            dates.alias("voucher_date"),
            *[s.cast(pl.Int32).alias(c) for c, s in integers.items()],
            *[s.alias(c) for c, s in flags.items()],
        )
        empty = {
            c: canonical.AMOUNT for c in ("debit", "credit", "debit_fx", "credit_fx") if c not in amounts
        }
        empty |= {"fx_rate": canonical.RATE} if not rate else {}
        empty |= {"quantity": canonical.QUANTITY} if not quantity else {}
        empty |= {
            c: pl.Int32 for c in ("fiscal_year", "period", "line_number", "attachments") if c not in integers
        }
        empty |= {c: pl.Boolean for c in ("posted", "void") if c not in flags}
        typed = typed.with_columns(
            [
                pl.lit(None, dtype=t).alias(c)
                for c, t in empty.items()
                if c not in ("fiscal_year", "period", "line_number")
            ]
            + [
                pl.col(c).cast(t, strict=False)
                for c, t in empty.items()
                if c in ("fiscal_year", "period", "line_number")
            ]
        ).with_row_index("__i")
        if "fiscal_year" not in integers or "period" not in integers:
            typed = typed.with_columns(
                pl.col("voucher_date").dt.year().cast(pl.Int32).alias("fiscal_year")
                if "fiscal_year" not in integers
                else pl.col("fiscal_year"),
                pl.col("voucher_date").dt.month().cast(pl.Int32).alias("period")
                if "period" not in integers
                else pl.col("period"),
            )
            self.sink.report(make_issue("info", "period_from_date", name))
        if "line_number" not in integers:
            typed = typed.with_columns(
                pl.int_range(1, pl.len() + 1)
                .over("fiscal_year", "period", "voucher_type", "voucher_number")
                .cast(pl.Int32)
                .alias("line_number")
            )
            self.sink.report(make_issue("info", "line_number_from_order", name))
        zero = pl.lit(Decimal(0), dtype=canonical.AMOUNT)
        currency = pl.col("currency").replace(M.CURRENCY_NAMES)
        currency = (
            pl.when(currency.str.contains(r"^[A-Za-z]+$"))
            .then(currency.str.to_uppercase())
            .otherwise(currency)
        )
        if self.local_currency:
            currency = pl.when(currency == self.local_currency).then(None).otherwise(currency)
        typed = typed.with_columns(currency.alias("currency"))
        foreign = pl.col("currency").is_not_null()
        fx_present = pl.col("debit_fx").is_not_null() | pl.col("credit_fx").is_not_null()
        fx = pl.when(foreign & fx_present).then(
            pl.col("debit_fx").cast(canonical.AMOUNT).fill_null(zero)
            - pl.col("credit_fx").cast(canonical.AMOUNT).fill_null(zero)
        )
        credit_side = (pl.col("credit").cast(canonical.AMOUNT).fill_null(zero) != 0) & (
            pl.col("debit").cast(canonical.AMOUNT).fill_null(zero) == 0
        )
        signed_quantity = pl.when(credit_side).then(-pl.col("quantity")).otherwise(pl.col("quantity"))
        dims = self._dimensions(typed)
        out = (
            typed.select(
                "__i",
                "fiscal_year",
                "period",
                "voucher_type",
                "voucher_number",
                "voucher_date",
                "line_number",
                "description",
                "account_code",
                pl.col("debit").cast(canonical.AMOUNT).fill_null(zero),
                pl.col("credit").cast(canonical.AMOUNT).fill_null(zero),
                "currency",
                fx.alias("fx_amount"),
                pl.when(foreign).then(pl.col("fx_rate")).alias("fx_rate"),
                signed_quantity.alias("quantity"),
                "attachments",
                "preparer",
                "reviewer",
                "poster",
                "posted",
                "void",
                (pl.lit(f"{name}:") + pl.col(ROW).cast(pl.String)).alias("source_location"),
            )
            .join(dims, on="__i", how="left")
            .drop("__i")
        )
        for offset in range(0, out.height, 50_000):
            self.sink.put_lines(canonical.conform("lines", out.slice(offset, 50_000)))
        self.line_years = out.select(pl.col("fiscal_year").drop_nulls().unique()).to_series().to_list()

    # -- balances --

    def _balances(self, frame: pl.DataFrame, accounts: pl.DataFrame) -> pl.DataFrame:
        name = self.names["KMYE"]
        if not frame.height:
            return canonical.empty("balances")
        parser = textio.CellParser(frame, name, sink=self.sink, options=self.options)
        money = ["opening", "debit", "credit", "closing", "opening_fx", "debit_fx", "credit_fx", "closing_fx"]
        amounts = parser.amounts([c for c in money if frame[c].null_count() < frame.height])
        quantities = parser.decimals(
            [c for c in ("opening_quantity", "closing_quantity") if frame[c].null_count() < frame.height],
            scale=6,
            precision=24,
        )
        sides = {
            c: parser.directions(c)
            for c in ("opening_side", "closing_side")
            if frame[c].null_count() < frame.height
        }
        typed = frame.with_columns(
            *[s.cast(canonical.AMOUNT).alias(c) for c, s in amounts.items()],
            *[s.cast(canonical.QUANTITY).alias(c) for c, s in quantities.items()],
            *[s.alias(c) for c, s in sides.items()],
        )
        typed = typed.with_columns(
            [pl.col(c).cast(canonical.AMOUNT) for c in money if c not in amounts]
            + [
                pl.col(c).cast(canonical.QUANTITY)
                for c in ("opening_quantity", "closing_quantity")
                if c not in quantities
            ]
        )
        month = pl.col("month").str.extract(r"(\d{1,2})\s*$", 1).cast(pl.Int32, strict=False)
        year = pl.col("month").str.extract(r"^(\d{4})\D?\d{1,2}$", 1).cast(pl.Int32, strict=False)
        typed = typed.with_columns(
            month.alias("period"), pl.coalesce(year, pl.lit(self.year, dtype=pl.Int32)).alias("fiscal_year")
        )
        normal = accounts.select(pl.col("code").alias("account_code"), "normal_balance")
        typed = typed.join(normal, on="account_code", how="left")
        if sides:
            factor = {
                s: pl.when(pl.col(f"{s}_side") == -1).then(-1).otherwise(1) for s in ("opening", "closing")
            }
        else:
            factor = self._sign_convention(typed, name)
        zero = pl.lit(Decimal(0), dtype=canonical.AMOUNT)
        typed = typed.with_columns(
            (pl.col("opening").fill_null(zero) * factor["opening"]).cast(canonical.AMOUNT).alias("opening"),
            (pl.col("closing").fill_null(zero) * factor["closing"]).cast(canonical.AMOUNT).alias("closing"),
            (pl.col("opening_fx") * factor["opening"]).cast(canonical.AMOUNT).alias("opening_fx"),
            (pl.col("closing_fx") * factor["closing"]).cast(canonical.AMOUNT).alias("closing_fx"),
            (pl.col("opening_quantity") * factor["opening"])
            .cast(canonical.QUANTITY)
            .alias("opening_quantity"),
            (pl.col("closing_quantity") * factor["closing"])
            .cast(canonical.QUANTITY)
            .alias("closing_quantity"),
            pl.col("debit").fill_null(zero),
            pl.col("credit").fill_null(zero),
        ).with_row_index("__i")
        dims = self._dimensions(typed)
        chosen = (
            dims.unpivot(
                index="__i",
                on=list(canonical.DIMENSION_LINE_COLUMNS),
                variable_name="dimension_type",
                value_name="dimension_code",
            )
            .filter(pl.col("dimension_code").is_not_null())
            .group_by("__i", maintain_order=True)
            .first()
        )
        currency = pl.col("currency").replace(M.CURRENCY_NAMES)
        if self.local_currency:
            currency = pl.when(currency == self.local_currency).then(None).otherwise(currency)
        rows = typed.join(chosen, on="__i", how="left").with_columns(currency.alias("currency"))
        rows = rows.with_columns(pl.col("currency").fill_null("").alias("__c")).sort(
            "fiscal_year", "period", ROW, nulls_last=False
        )
        summed = rows.group_by(
            "account_code", "dimension_type", "dimension_code", "__c", maintain_order=True
        ).agg(
            pl.col("currency").first(),
            pl.col("opening").first(),
            pl.col("debit").sum(),
            pl.col("credit").sum(),
            pl.col("closing").last(),
            pl.col("opening_fx").first(),
            pl.col("closing_fx").last(),
            pl.col("opening_quantity").first(),
            pl.col("closing_quantity").last(),
        )
        return canonical.conform("balances", summed.drop("__c"))

    def _sign_convention(self, typed: pl.DataFrame, name: str) -> dict[str, pl.Expr]:
        """Balances without direction: signed in the account's normal direction, or debit-positive?
        Decided by which reading makes the credit-side accounts roll forward."""
        zero = Decimal(0)
        credit_side = typed.filter(
            (pl.col("normal_balance") == "C")
            & (pl.col("debit").fill_null(zero) != pl.col("credit").fill_null(zero))
        )
        moved = credit_side.select(
            (pl.col("closing").fill_null(zero) - pl.col("opening").fill_null(zero)).alias("change"),
            (pl.col("debit").fill_null(zero) - pl.col("credit").fill_null(zero)).alias("net"),
        )
        debit_positive = moved.filter(pl.col("change") == pl.col("net")).height
        normal = moved.filter(pl.col("change") == -pl.col("net")).height
        option = str(self.options.get("balance_sign") or "").lower()
        severity = "info"
        if option in ("normal", "debit"):
            chosen, why = option, "option"
        elif normal > debit_positive:
            chosen, why = "normal", "counted"
        elif debit_positive > normal:
            chosen, why = "debit", "counted"
        else:
            chosen, why = "normal", "undecided"
            severity = "warning"
        self.sink.report(
            make_issue(
                severity,
                "balance_sign_convention",
                name,
                variant=f"{chosen}_{why}",
                convention=chosen,
                normal_fits=normal,
                debit_fits=debit_positive,
            )
        )
        if chosen == "debit":
            one = pl.lit(1)
            return {"opening": one, "closing": one}
        sign = pl.when(pl.col("normal_balance") == "C").then(-1).otherwise(1)
        return {"opening": sign, "closing": sign}

    # -- entity and periods --

    def _entity(self, book: dict) -> pl.DataFrame:
        year = self.year or (min(self.line_years) if getattr(self, "line_years", None) else None)
        return pl.DataFrame(
            [
                {
                    "name": book.get("entity_name") or book.get("book_name"),
                    "credit_code": book.get("credit_code"),
                    "currency": self.local_currency,
                    "fiscal_year": year,
                    "period_start": _date(year, 1, 1),
                    "period_end": _date(year, 12, 31),
                    "source_software": " ".join(
                        v for v in (book.get("developer"), book.get("software_version")) if v
                    )
                    or None,
                    "source_format": "gbt19581-2004",
                }
            ],
            schema=canonical.ENTITY,
        )

    def _periods(self) -> pl.DataFrame:
        year = self.year or (min(self.line_years) if getattr(self, "line_years", None) else None)
        if year is None:
            return canonical.empty("periods")
        self.sink.report(
            make_issue(
                "info", "periods_assumed_calendar", self.names.get("DZZB", ""), variant="gbt19581", year=year
            )
        )
        rows = [
            {"fiscal_year": year, "period": m, "start": _date(year, m, 1), "end": _month_end(year, m)}
            for m in range(1, 13)
        ]
        return pl.DataFrame(rows, schema=canonical.PERIODS)


def _items(text: str | None) -> list[str]:
    return [item.strip() for item in re.split(ITEM_SEPARATORS, text or "") if item.strip()]


def _kind_qualifier(label: str) -> tuple[str, str | None]:
    kind = M.kind_of_word(label)
    return (kind, None) if kind else ("other", label)


def _int_or_none(value) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def _date(year, month, day):
    return datetime.date(year, month, day) if year else None


def _month_end(year: int, month: int):
    following = datetime.date(year + (month == 12), month % 12 + 1, 1)
    return following - datetime.timedelta(days=1)
