"""GB/T 24589.1-2010 XML (enterprise): read and write. The element names are in `gbt24589_map`.

Input: one file with one module (公共档案, 总账) or several, a directory of module files, or a zip
of them. Files are read 公共档案 first, then 总账, whatever their names. Encodings: the XML
declaration (GB18030 is common), see `xmlsafe`.

How the tables become the canonical model (docs/data-standard/formats.md has the field table):

- 电子账簿 -> entity; 会计期间 -> periods (the entity's period is their span); 币种 maps currency
  names to codes.
- 部门档案, 员工档案, 供应商档案, 客户档案 -> dimensions; 自定义档案项值 -> project or inventory
  dimensions when their 自定义档案项 is named so (项目, 存货), else "other" dimensions coded
  "档案编码:档案值编码".
- 会计科目 -> accounts (科目类型 and 余额方向 through the value tables; parents from the coding rule
  of 总账基础信息, else from the longest code that prefixes the account's).
- 科目辅助核算 -> the auxiliary items of each account, in order: 辅助项N编号 on a voucher line or
  balance row is the value of the account's N-th item. An item's kind comes from 对应档案
  (客户档案 ...), or from the custom archive it names, or from its name (客户, 项目 ...); other
  items give "other" dimensions coded "辅助项编号:value". The first value of a kind fills the
  line's column (customer, department ...); further values go to `other_dimensions`.
- 科目余额及发生额 -> balances: amounts signed by 期初/期末余额方向 (借 +, 贷 -); rows of several
  periods are summed up (opening of the first, closing of the last); an account listed only per
  auxiliary value gets its total row added.
- 记账凭证 (one row per voucher line) -> lines.
- 现金流量项目 -> cash-flow items; 现金流量凭证项目数据 is counted and reported, not applied.

Writing produces the same tables: `gbt24589_write` (its docstring has the options).
"""

from __future__ import annotations

import re
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path

import polars as pl

from cpahub.ledgers import canonical
from cpahub.ledgers.canonical import Issue
from cpahub.ledgers.formats import FormatError, xmlchunks, xmlsafe
from cpahub.ledgers.formats import gbt24589_map as M
from cpahub.ledgers.formats.messages import make_issue
from cpahub.ledgers.formats.xmlsafe import LINE, local

FORMAT = "gbt24589"
LABEL = "GB/T 24589.1-2010 XML (enterprise)"
BATCH = 20_000  # voucher lines per batch: ~0.4 GB peak, no faster with more
ROOTS = ("公共档案", "总账")
NAMESPACE_MARK = "AccountingSoftwareDataInterfaceStandard/2010/SOE"
AUX = [f"aux{n}" for n in range(1, M.AUX_SLOTS + 1)]
DIMENSION_COLUMNS = list(canonical.DIMENSION_LINE_COLUMNS)
KIND_ORDER = {k: i for i, k in enumerate(canonical.DIMENSION_TYPES)}
SLOTS = {"account_code": pl.String, "slot": pl.Int32, "kind": pl.String, "qualifier": pl.String}


def sniff(head: bytes, name: str) -> bool:
    if NAMESPACE_MARK.encode() in head:
        return True
    for encoding in ("utf-8", "gb18030"):
        for root in ROOTS:
            if f"<{root}".encode(encoding) in head[:4096]:
                return True
    if head.startswith(b"PK\x03\x04"):  # a zip: its first member's name
        size = int.from_bytes(head[26:28], "little")
        member = head[30 : 30 + size]
        for encoding in ("utf-8", "gb18030"):
            try:
                text = member.decode(encoding)
            except UnicodeDecodeError:
                continue
            return any(text.rsplit("/", 1)[-1].startswith(root) for root in ROOTS) and text.lower().endswith(
                ".xml"
            )
    return False


def _root_name(source: xmlsafe.Source) -> str:
    head = source.head(64 * 1024)
    encoding = xmlsafe.declared_encoding(head) or (
        "utf-16" if head[:2] in (b"\xff\xfe", b"\xfe\xff") else "utf-8"
    )
    try:
        text = head.decode(encoding, "replace")
    except LookupError:
        text = head.decode("utf-8", "replace")
    text = re.sub(r"<\?.*?\?>|<!--.*?-->", "", text, flags=re.S)
    match = re.search(r"<([^\s>/?!]+)", text)
    return match.group(1).rsplit(":", 1)[-1] if match else ""


def _ordered(found: list[xmlsafe.Source]) -> list[xmlsafe.Source]:
    """公共档案 files first (the reference tables), then 总账, then the rest, stable by name."""
    rank = {"公共档案": 0, "总账": 1}
    return sorted(found, key=lambda s: rank.get(_root_name(s), 2))


# --- reading -------------------------------------------------------------------------------------


def read(path: Path, sink, *, options: dict | None = None, progress=None) -> None:
    options = dict(options or {})
    found = _ordered(xmlsafe.sources(Path(path), accept=lambda n: n.lower().endswith(".xml")))
    _Reader(found, sink, options, progress).run()


class _Reader:
    def __init__(self, found: list[xmlsafe.Source], sink, options: dict, progress):
        self.found = found
        self.sink = sink
        self.options = options
        self.progress = xmlsafe.Progress(progress, sum(s.size for s in found))
        self.rows = {table: xmlsafe.FlatRows(table, M.element_fields(table)) for table in M.TABLES}
        self.masters: dict[str, list[pl.DataFrame]] = {table: [] for table in M.TABLES}
        self.balance_frames: list[pl.DataFrame] = []
        self.slots: pl.DataFrame | None = None  # the auxiliary items, once frozen
        self.archives: dict[str, str] | None = None  # custom archive code -> kind
        self.local_currency: str | None = None
        self.currency_codes: dict[str, str] = dict(M.CURRENCY_NAMES)
        self.namespaces: set[str] = set()
        self.line_count = 0
        self.names: dict[str, str] = {}  # table -> source name (for locations of master tables)
        self.unslotted = 0
        self.prescanned: set[str] = set()  # tables read ahead of their place (see _prescan)
        self.pool: ThreadPoolExecutor | None = None
        self.pending: deque[Future] = deque()
        self.known: dict[str, str] = {}
        self.unknown_reported: dict[str, set[str]] = {}
        self.chunk_frames: list[pl.DataFrame] = []  # voucher lines parsed by workers, not converted yet
        self.chunk_unknown: set[str] = set()

    def run(self) -> None:
        try:
            self._run()
        finally:
            if self.pool is not None:
                self.pool.shutdown(wait=True, cancel_futures=True)

    def _run(self) -> None:
        tags = [f"{{*}}{table}" for table in M.TABLES]
        lines = self.rows["记账凭证"]
        for source in self.found:
            self.source = source
            known = self.known = {}  # Clark tag -> table, checked once per tag
            events = xmlchunks.events(
                source,
                tags=tags,
                record="记账凭证",
                extract=extract_lines,
                options=self.options,
                sink=self.sink,
                progress=self.progress,
            )
            for count, (event, element) in enumerate(events, start=1):
                if event == "chunk":
                    self._on_chunk(element[0], source)
                    continue
                table = known.get(element.tag)
                if table is None:
                    table = known[element.tag] = self._new_tag(element.tag, source, element.sourceline)
                if table == "记账凭证":  # the hot path
                    if self.chunk_frames:
                        self._flush_chunks()
                    lines.add(element)
                    if len(lines) >= BATCH:
                        self._flush_lines()
                elif table in self.prescanned:
                    pass
                elif table == "科目辅助核算" and self.slots is not None:
                    raise FormatError.of("gbt24589_items_late", f"{source.name}:{element.sourceline}")
                else:
                    rows = self.rows[table]
                    rows.add(element)
                    if table == "科目余额及发生额" and len(rows) >= BATCH:
                        self._flush_balances()
                element.clear(keep_tail=False)
                if count % 1000 == 0:
                    xmlsafe.release(element)
            if len(lines):
                self._flush_lines()
            self._flush_chunks()
            self._deliver_all()
        if not any(self.names.get(t) for t in M.TABLES):
            raise FormatError.of("gbt24589_no_table", self.found[0].name, standard=M.STANDARD)
        self._flush_balances()
        self._finish()

    def _new_tag(self, tag: str, source: xmlsafe.Source, line: int | None) -> str:
        """The table of a tag met for the first time in a source; warns about a foreign namespace."""
        table = local(tag)
        namespace = tag[1:].split("}", 1)[0] if tag.startswith("{") else ""
        if namespace not in self.namespaces:
            self.namespaces.add(namespace)
            if namespace != M.NAMESPACE:
                self.sink.report(
                    make_issue(
                        "warning",
                        "unexpected_namespace",
                        f"{source.name}:{line}",
                        variant=None if namespace else "none",
                        namespace=namespace,
                        standard=M.STANDARD,
                    )
                )
        if table not in self.prescanned:
            self.names.setdefault(table, source.name)
        return table

    # -- masters --

    def master(self, table: str) -> pl.DataFrame:
        """The typed rows of a master table read so far (converted once, kept)."""
        rows = self.rows[table]
        if len(rows):
            name = self.names.get(table, table)
            self.masters[table].append(_typed(rows.take(name), table, name, self.sink))
            self._report_unknown(rows)
        frames = self.masters[table]
        if not frames:
            return _typed(self.rows[table].take(table), table, table, None)
        if len(frames) > 1:
            self.masters[table] = [pl.concat(frames, how="vertical_relaxed")]
        return self.masters[table][0]

    def _report_unknown(self, rows: xmlsafe.FlatRows) -> None:
        """Report element names of a table the mapping does not know, each name once."""
        reported = self.unknown_reported.setdefault(rows.table, set())
        new = sorted(rows.unknown - reported)
        rows.unknown.clear()
        if new:
            reported.update(new)
            self.sink.report(
                make_issue(
                    "info",
                    "unmapped_elements",
                    self.names.get(rows.table, ""),
                    table=rows.table,
                    elements=new,
                    element_list=", ".join(new),
                )
            )

    def _references(self) -> None:
        """The local currency, currency names and custom archives, fixed before the first lines."""
        if self.archives is not None:
            return
        book = self.master("电子账簿")
        for row in self.master("币种").iter_rows(named=True):
            if row["name"] and row["code"]:
                self.currency_codes.setdefault(row["name"], row["code"])
        if book.height:
            self.local_currency = self._currency_code(book["currency"][0])
        archives = {}
        for row in self.master("自定义档案项").iter_rows(named=True):
            if row["code"]:
                kind = M.kind_of_word(row["name"]) or M.kind_of_word(row["code"])
                archives[row["code"]] = kind if kind in ("project", "inventory") else "other"
        self.archives = archives

    def _items(self) -> pl.DataFrame:
        """The auxiliary items (科目辅助核算), fixed the first time a value has to be resolved.

        When none has been read by then, they are looked for in the rest of the input first."""
        if self.slots is None:
            if not len(self.rows["科目辅助核算"]) and not self.masters["科目辅助核算"]:
                self._prescan()
            self._references()
            self.slots = self._slot_table(self.master("科目辅助核算"))
        return self.slots

    def _prescan(self) -> None:
        """Read 科目辅助核算 (and the reference tables not met yet) from all the inputs ahead."""
        wanted = [t for t in ("科目辅助核算", "自定义档案项", "电子账簿", "币种") if not self.names.get(t)]
        self.archives = None  # recomputed with what is found
        tags = [f"{{*}}{t}" for t in M.TABLES]  # everything, so that everything is released
        for source in self.found:
            for count, (_event, element) in enumerate(
                xmlsafe.iterparse(source, tags=tags, options=self.options), 1
            ):
                table = local(element.tag)
                if table in wanted:
                    self.rows[table].add(element)
                    self.names.setdefault(table, source.name)
                element.clear(keep_tail=False)
                if count % 1000 == 0:
                    xmlsafe.release(element)
        self.prescanned.update(wanted)

    def _currency_code(self, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip()
        return self.currency_codes.get(value, value.upper() if value.isascii() else value)

    def _slot_table(self, items: pl.DataFrame) -> pl.DataFrame:
        """(account_code, slot, kind, qualifier): the N-th 科目辅助核算 row of an account is slot N."""
        rows = []
        position: dict[str, int] = {}
        for row in items.iter_rows(named=True):
            account = row["account"]
            if account is None:
                continue
            position[account] = position.get(account, 0) + 1
            item = row["item"] or ""
            match = re.match(r"^(.*)#(\d+)$", item)
            base = match.group(1) if match else item
            archive = (row["archive"] or "").strip()
            kind = M.ARCHIVE_KINDS.get(archive)
            qualifier = None
            if kind is None and (archive in M.CUSTOM_ARCHIVES or base in self.archives):
                kind = self.archives.get(base) or M.kind_of_word(row["name"]) or M.kind_of_word(base)
                if kind in (None, "other"):
                    kind, qualifier = "other", base
            if kind is None:
                kind = M.kind_of_word(row["name"]) or M.kind_of_word(base)
            if kind is None:
                kind, qualifier = "other", base or row["name"] or f"辅助项{position[account]}"
            rows.append(
                {"account_code": account, "slot": position[account], "kind": kind, "qualifier": qualifier}
            )
        return pl.DataFrame(
            rows,
            schema={"account_code": pl.String, "slot": pl.Int32, "kind": pl.String, "qualifier": pl.String},
        )

    # -- voucher lines --

    def _flush_lines(self) -> None:
        """Hand the collected voucher lines to the converting thread; deliver what it finished.

        Converting a batch is Polars work that runs without the GIL, so it overlaps with the parsing
        of the next batch; the sink is only ever called from this (the reading) thread, in order."""
        self._references()
        rows = self.rows["记账凭证"]
        if not len(rows):
            return
        batch = rows.detach()
        if self.slots is None and batch.has_values("aux"):
            self._items()  # may read ahead in the input: done here, not in the converting thread
        self._submit(batch, batch.unknown)

    def _on_chunk(self, result: dict, source: xmlsafe.Source) -> None:
        """Voucher lines parsed by a worker: text columns, element names, where the chunk began."""
        for tag in result["tags"]:
            if tag not in self.known:
                self.known[tag] = self._new_tag(tag, source, result["line"])
        if len(self.rows["记账凭证"]):
            self._flush_lines()
        self.chunk_frames.append(result["frame"])
        self.chunk_unknown.update(result["unknown"])
        if sum(frame.height for frame in self.chunk_frames) >= BATCH:
            self._flush_chunks()

    def _flush_chunks(self) -> None:
        if not self.chunk_frames:
            return
        self._references()
        text = pl.concat(self.chunk_frames, how="vertical")
        unknown, self.chunk_frames, self.chunk_unknown = self.chunk_unknown, [], set()
        if self.slots is None and any(text[c].null_count() < text.height for c in AUX if c in text.columns):
            self._items()
        self._submit(text, unknown)

    def _submit(self, batch: xmlsafe.FlatRows | pl.DataFrame, unknown: set[str]) -> None:
        if self.pool is None:
            self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="gbt24589-lines")
        self.pending.append(self.pool.submit(self._convert_lines, batch, unknown, self.names["记账凭证"]))
        while len(self.pending) > 1:
            self._deliver()

    def _deliver(self) -> None:
        frame, issues, unknown, unslotted, where = self.pending.popleft().result()
        for issue in issues:
            self.sink.report(issue)
        if unslotted and not self.unslotted:
            self.sink.report(make_issue("warning", "auxiliary_item_unknown", where))
        self.unslotted += unslotted
        self.rows["记账凭证"].unknown.update(unknown)
        self._report_unknown(self.rows["记账凭证"])
        self.line_count += frame.height
        self.sink.put_lines(frame)

    def _deliver_all(self) -> None:
        while self.pending:
            self._deliver()

    def _convert_lines(self, batch: xmlsafe.FlatRows | pl.DataFrame, unknown: set[str], name: str):
        """(canonical lines, issues, unmapped element names, values without item, first such place)."""
        issues = _Collected()
        text = batch.take(name) if isinstance(batch, xmlsafe.FlatRows) else batch
        if not text.height:
            return canonical.empty("lines"), [], unknown, 0, ""
        typed = _typed(text, "记账凭证", name, issues)
        frame, unslotted, where = self._lines(typed, name)
        return canonical.conform("lines", frame), issues.issues, unknown, unslotted, where

    def _dimensions(self, frame: pl.DataFrame, name: str) -> tuple[pl.DataFrame, int, str]:
        """(__row, customer ... inventory, other_dimensions) from the 辅助项N columns of `frame`, the
        number of values whose item is unknown and the place of the first."""
        present = [c for c in AUX if c in frame.columns]
        empty = pl.DataFrame({"__row": frame["__row"]}).with_columns(
            [pl.lit(None, dtype=pl.String).alias(c) for c in [*DIMENSION_COLUMNS, "other_dimensions"]]
        )
        if not present:
            return empty, 0, ""
        long = (
            frame.select("__row", "account_code", LINE, *present)
            .unpivot(
                index=["__row", "account_code", LINE], on=present, variable_name="slot", value_name="value"
            )
            .filter(pl.col("value").is_not_null())
        )
        if not long.height:
            return empty, 0, ""
        slots = self.slots if self.slots is not None else pl.DataFrame(schema=SLOTS)
        long = long.with_columns(pl.col("slot").str.slice(3).cast(pl.Int32)).join(
            slots, on=["account_code", "slot"], how="left"
        )
        unslotted = long.filter(pl.col("kind").is_null())
        where = f"{name}:{unslotted[LINE][0]}" if unslotted.height else ""
        long = (
            long.with_columns(
                kind=pl.col("kind").fill_null("other"),
                qualifier=pl.when(pl.col("kind").is_null())
                .then(pl.lit("辅助项") + pl.col("slot").cast(pl.String))
                .otherwise(pl.col("qualifier")),
            )
            .with_columns(
                code=pl.when((pl.col("kind") == "other") & (pl.col("qualifier") != M.OTHER_ARCHIVE))
                .then(pl.col("qualifier") + ":" + pl.col("value"))
                .otherwise(pl.col("value"))
            )
            .sort("__row", "slot")
            .with_columns(rank=pl.col("slot").rank("ordinal").over("__row", "kind"))
        )
        first = long.filter(pl.col("kind").is_in(DIMENSION_COLUMNS) & (pl.col("rank") == 1))
        columns = first.pivot(index="__row", on="kind", values="code", aggregate_function="first")
        rest = (
            long.filter(~(pl.col("kind").is_in(DIMENSION_COLUMNS) & (pl.col("rank") == 1)))
            .group_by("__row", maintain_order=True)
            .agg((pl.col("kind") + ":" + pl.col("code")).str.join(";").alias("other_dimensions"))
        )
        result = (
            empty.select("__row").join(columns, on="__row", how="left").join(rest, on="__row", how="left")
        )
        result = result.with_columns(
            [pl.lit(None, dtype=pl.String).alias(c) for c in DIMENSION_COLUMNS if c not in result.columns]
        )
        return result, unslotted.height, where

    def _lines(self, typed: pl.DataFrame, name: str) -> tuple[pl.DataFrame, int, str]:
        frame = typed.with_row_index("__row")
        dims, unslotted, where = self._dimensions(frame, name)
        currency = self._currency_expr()
        zero = pl.lit(Decimal(0), dtype=canonical.AMOUNT)
        fx_split = pl.col("debit_fx").is_not_null() | pl.col("credit_fx").is_not_null()
        fx = (
            pl.when(fx_split)
            .then(pl.col("debit_fx").fill_null(zero) - pl.col("credit_fx").fill_null(zero))
            .otherwise(pl.col("fx_amount"))
        )
        qzero = pl.lit(Decimal(0), dtype=canonical.QUANTITY)
        quantity = (
            pl.when(pl.col("debit_quantity").is_not_null() | pl.col("credit_quantity").is_not_null())
            .then(pl.col("debit_quantity").fill_null(qzero) - pl.col("credit_quantity").fill_null(qzero))
            .otherwise(None)
        )
        frame = frame.with_columns(currency.alias("currency"))
        foreign = pl.col("currency").is_not_null()
        lines = (
            frame.select(
                "__row",
                "fiscal_year",
                "period",
                "voucher_type",
                "voucher_number",
                "voucher_date",
                "line_number",
                "description",
                "account_code",
                pl.col("debit").fill_null(zero),
                pl.col("credit").fill_null(zero),
                "currency",
                pl.when(foreign).then(fx).alias("fx_amount"),
                pl.when(foreign).then(pl.col("fx_rate")).alias("fx_rate"),
                quantity.alias("quantity"),
                "attachments",
                "preparer",
                "reviewer",
                "poster",
                "posted",
                "void",
                "source",
                (pl.lit(f"{name}:") + pl.col(LINE).cast(pl.String)).alias("source_location"),
            )
            .join(dims, on="__row", how="left")
            .drop("__row")
        )
        return lines, unslotted, where

    def _currency_expr(self) -> pl.Expr:
        codes = self.currency_codes
        value = pl.col("currency").replace(codes)
        value = pl.when(value.str.contains(r"^[A-Za-z]+$")).then(value.str.to_uppercase()).otherwise(value)
        if self.local_currency:
            value = pl.when(value == self.local_currency).then(None).otherwise(value)
        return value

    # -- balances --

    def _flush_balances(self) -> None:
        rows = self.rows["科目余额及发生额"]
        if not len(rows):
            return
        self._references()
        name = self.names["科目余额及发生额"]
        typed = _typed(rows.take(name), "科目余额及发生额", name, self.sink)
        self._report_unknown(rows)
        frame = typed.with_row_index("__row")
        if self.slots is None and any(
            frame[c].null_count() < frame.height for c in AUX if c in frame.columns
        ):
            self._items()
        dims, unslotted, where = self._dimensions(frame, name)
        if unslotted and not self.unslotted:
            self.sink.report(make_issue("warning", "auxiliary_item_unknown", where))
        self.unslotted += unslotted
        several = frame.select(
            pl.sum_horizontal([pl.col(c).is_not_null() for c in AUX if c in frame.columns]) > 1
        )
        count = int(several.to_series().sum()) if several.width else 0
        if count:
            self.sink.report(
                make_issue(
                    "warning",
                    "balance_several_dimensions",
                    f"{name}:{frame.filter(several.to_series())[LINE][0]}",
                    count=count,
                )
            )
        first = dims.unpivot(
            index="__row",
            on=[*DIMENSION_COLUMNS],
            variable_name="dimension_type",
            value_name="dimension_code",
        )
        other = dims.select(
            "__row",
            pl.col("other_dimensions").str.split(";").list.first().str.splitn(":", 2).alias("o"),
        ).unnest("o")
        other = other.select(
            "__row", pl.col("field_0").alias("dimension_type"), pl.col("field_1").alias("dimension_code")
        )
        chosen = (
            pl.concat([first, other])
            .filter(pl.col("dimension_code").is_not_null())
            .group_by("__row", maintain_order=True)
            .first()
        )
        signs = {}
        for side in ("opening", "closing"):
            column = f"{side}_side"
            signs[side] = (
                pl.when(pl.col(column) == "C")
                .then(-1)
                .when(pl.col(column) == "0")
                .then(0)
                .otherwise(1)
                .cast(pl.Int8)
            )
        zero_side = frame.filter(
            ((pl.col("opening_side") == "0") & (pl.col("opening").fill_null(0) != 0))
            | ((pl.col("closing_side") == "0") & (pl.col("closing").fill_null(0) != 0))
        )
        if zero_side.height:
            self.sink.report(
                make_issue(
                    "warning",
                    "nil_direction_with_amount",
                    f"{name}:{zero_side[LINE][0]}",
                    count=zero_side.height,
                )
            )
        missing = frame.filter(
            (pl.col("opening_side").is_null() & (pl.col("opening").fill_null(0) != 0))
            | (pl.col("closing_side").is_null() & (pl.col("closing").fill_null(0) != 0))
        )
        if missing.height:
            self.sink.report(
                make_issue("warning", "direction_missing", f"{name}:{missing[LINE][0]}", count=missing.height)
            )

        def signed(column: str, side: str) -> pl.Expr:
            sign = pl.when(signs[side] == 0).then(1).otherwise(signs[side])
            return (pl.col(column) * sign).alias(column)

        converted = frame.with_columns(
            signed("opening", "opening"),
            signed("opening_fx", "opening"),
            signed("opening_quantity", "opening"),
            signed("closing", "closing"),
            signed("closing_fx", "closing"),
            signed("closing_quantity", "closing"),
            self._currency_expr().alias("currency"),
        ).join(chosen, on="__row", how="left")
        self.balance_frames.append(
            converted.select(
                "fiscal_year",
                "period",
                LINE,
                "account_code",
                "dimension_type",
                "dimension_code",
                "currency",
                pl.col("opening").cast(canonical.AMOUNT),
                pl.col("debit").cast(canonical.AMOUNT),
                pl.col("credit").cast(canonical.AMOUNT),
                pl.col("closing").cast(canonical.AMOUNT),
                pl.col("opening_fx").cast(canonical.AMOUNT),
                pl.col("closing_fx").cast(canonical.AMOUNT),
                pl.col("opening_quantity").cast(canonical.QUANTITY),
                pl.col("closing_quantity").cast(canonical.QUANTITY),
            )
        )

    def _balances(self) -> pl.DataFrame:
        if not self.balance_frames:
            return canonical.empty("balances")
        rows = pl.concat(self.balance_frames).with_columns(
            pl.col("currency").fill_null("").alias("__currency")
        )
        key = ["account_code", "dimension_type", "dimension_code", "__currency"]
        rows = rows.sort("fiscal_year", "period", LINE, nulls_last=False)
        summed = rows.group_by(key, maintain_order=True).agg(
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
        plain = summed.filter(pl.col("dimension_type").is_null())
        per_dimension = summed.filter(pl.col("dimension_type").is_not_null())
        chart = self.master("会计科目")["code"].to_list()
        missing = per_dimension.join(plain, on=["account_code", "__currency"], how="anti").filter(
            pl.col("account_code").is_in(chart)
        )
        if missing.height:
            totals = (
                missing.group_by("account_code", "__currency", maintain_order=True)
                .agg(
                    pl.col("currency").first(),
                    *[pl.col(c).sum() for c in ("opening", "debit", "credit", "closing")],
                    *[
                        pl.when(pl.col(c).is_not_null().any()).then(pl.col(c).sum()).alias(c)
                        for c in ("opening_fx", "closing_fx", "opening_quantity", "closing_quantity")
                    ],
                )
                .with_columns(
                    pl.lit(None, dtype=pl.String).alias("dimension_type"),
                    pl.lit(None, dtype=pl.String).alias("dimension_code"),
                )
            )
            self.sink.report(
                make_issue(
                    "info",
                    "account_total_from_dimensions",
                    self.names.get("科目余额及发生额", ""),
                    count=totals.height,
                    examples=", ".join(totals["account_code"].head(5).to_list()),
                )
            )
            summed = pl.concat([summed, totals.select(summed.columns)])
        return canonical.conform("balances", summed.drop("__currency"))

    # -- the end --

    def _finish(self) -> None:
        self._references()
        if self.slots is None:  # everything has been read: nothing to look ahead for
            self.slots = self._slot_table(self.master("科目辅助核算"))
        periods = self.master("会计期间")
        book = self.master("电子账簿")
        self.sink.put("entity", self._entity(book, periods))
        self.sink.put(
            "periods",
            canonical.conform(
                "periods",
                periods.select("fiscal_year", "period", "start", "end").drop_nulls(["fiscal_year", "period"]),
            ),
        )
        self.sink.put("accounts", self._accounts())
        self.sink.put("dimensions", self._dimension_table())
        self.sink.put("balances", self._balances())
        flows = self.master("现金流量项目")
        self.sink.put(
            "cash_flow_items", canonical.conform("cash_flow_items", flows.select("code", "name", "direction"))
        )
        assigned = self.master("现金流量凭证项目数据").height
        if assigned:
            self.sink.report(
                make_issue(
                    "info",
                    "cash_flow_assignments_not_applied",
                    self.names.get("现金流量凭证项目数据", ""),
                    count=assigned,
                )
            )
        for table in M.TABLES:
            self._report_unknown(self.rows[table])

    def _entity(self, book: pl.DataFrame, periods: pl.DataFrame) -> pl.DataFrame:
        row = book.row(0, named=True) if book.height else {}
        if book.height > 1:
            self.sink.report(
                make_issue("warning", "several_books", self.names.get("电子账簿", ""), count=book.height)
            )
        year = row.get("fiscal_year")
        span = (
            periods.filter(pl.col("fiscal_year") == year) if year is not None and periods.height else periods
        )
        start = span["start"].min() if span.height else None
        end = span["end"].max() if span.height else None
        if year is None and span.height:
            year = span["fiscal_year"].min()
        software = " ".join(v for v in (row.get("developer"), row.get("software_version")) if v)
        return pl.DataFrame(
            [
                {
                    "name": row.get("entity_name") or row.get("book_name"),
                    "credit_code": row.get("credit_code"),
                    "currency": self.local_currency,
                    "fiscal_year": year,
                    "period_start": start,
                    "period_end": end,
                    "source_software": software or None,
                    "source_format": M.SOURCE_FORMAT,
                }
            ],
            schema=canonical.ENTITY,
        )

    def _accounts(self) -> pl.DataFrame:
        chart = self.master("会计科目")
        if not chart.height:
            return canonical.empty("accounts")
        rule = self.master("总账基础信息")
        codes = [c for c in chart["code"].to_list() if c is not None]
        parents, levels = account_hierarchy(codes, rule["coding_rule"][0] if rule.height else None)
        has_children = {p for p in parents.values() if p is not None}
        kinds: dict[str, list[str]] = {}
        for account, kind in self.slots.select("account_code", "kind").unique().iter_rows():
            kinds.setdefault(account, []).append(kind)
        frame = chart.with_columns(
            pl.col("code").replace_strict(parents, default=None, return_dtype=pl.String).alias("parent_code"),
            pl.coalesce(
                pl.col("level").cast(pl.Int32),
                pl.col("code").replace_strict(levels, default=None, return_dtype=pl.Int32),
            ).alias("level"),
            (~pl.col("code").is_in(list(has_children))).alias("is_leaf"),
            pl.col("code")
            .replace_strict(
                {a: sorted(set(k), key=lambda x: KIND_ORDER.get(x, 99)) for a, k in kinds.items()},
                default=[],
                return_dtype=pl.List(pl.String),
            )
            .alias("dimension_types"),
            pl.col("type").fill_null("unknown"),
        )
        unique = frame.unique(subset=["code"], keep="first", maintain_order=True)
        if unique.height < frame.height:
            self.sink.report(
                make_issue(
                    "error",
                    "duplicate_account",
                    self.names.get("会计科目", ""),
                    variant="gbt24589",
                    count=frame.height - unique.height,
                )
            )
        return canonical.conform(
            "accounts", unique.select([c for c in canonical.ACCOUNTS if c in unique.columns])
        )

    def _dimension_table(self) -> pl.DataFrame:
        frames = []
        for table, kind in (("客户档案", "customer"), ("供应商档案", "supplier")):
            rows = self.master(table)
            frames.append(
                rows.select(
                    pl.lit(kind).alias("type"),
                    "code",
                    "name",
                    pl.lit(None, dtype=pl.String).alias("parent_code"),
                    "credit_code",
                )
            )
        departments = self.master("部门档案")
        frames.append(
            departments.select(
                pl.lit("department").alias("type"),
                "code",
                "name",
                "parent_code",
                pl.lit(None, dtype=pl.String).alias("credit_code"),
            )
        )
        employees = self.master("员工档案")
        frames.append(
            employees.select(
                pl.lit("employee").alias("type"),
                "code",
                "name",
                pl.lit(None, dtype=pl.String).alias("parent_code"),
                pl.lit(None, dtype=pl.String).alias("credit_code"),
            )
        )
        values = self.master("自定义档案项值")
        if values.height:
            kind = pl.col("archive").replace_strict(self.archives, default="other", return_dtype=pl.String)
            qualified = pl.when((kind == "other") & (pl.col("archive") != M.OTHER_ARCHIVE))
            frames.append(
                values.select(
                    kind.alias("type"),
                    qualified.then(pl.col("archive") + ":" + pl.col("code"))
                    .otherwise(pl.col("code"))
                    .alias("code"),
                    "name",
                    qualified.then(pl.col("archive") + ":" + pl.col("parent_code"))
                    .otherwise(pl.col("parent_code"))
                    .alias("parent_code"),
                    pl.lit(None, dtype=pl.String).alias("credit_code"),
                )
            )
        frame = pl.concat(frames).filter(pl.col("code").is_not_null())
        unique = frame.unique(subset=["type", "code"], keep="first", maintain_order=True)
        if unique.height < frame.height:
            self.sink.report(
                make_issue(
                    "warning",
                    "duplicate_dimension",
                    self.names.get("客户档案", ""),
                    variant="count",
                    count=frame.height - unique.height,
                )
            )
        return canonical.conform("dimensions", unique)


def account_hierarchy(codes: list[str], rule: str | None) -> tuple[dict[str, str | None], dict[str, int]]:
    """(parent, level) of each account code: the parent is the account whose code is the prefix the
    coding rule ("4-2-2") cuts off, else the longest listed code that prefixes it."""
    lengths = _coding_rule(rule)
    known = set(codes)
    parents: dict[str, str | None] = {}
    for code in codes:
        parent = None
        if lengths:
            for n in reversed([n for n in _cumulative(lengths) if n < len(code)]):
                if code[:n] in known:
                    parent = code[:n]
                    break
        if parent is None:
            for n in range(len(code) - 1, 0, -1):
                if code[:n] in known:
                    parent = code[:n]
                    break
        parents[code] = parent
    levels: dict[str, int] = {}
    for code in codes:
        depth, seen, current = 1, set(), parents[code]
        while current is not None and current not in seen:
            seen.add(current)
            depth += 1
            current = parents.get(current)
        levels[code] = depth
    return parents, levels


class _Collected:
    """A sink for the converting thread's findings, delivered by the reading thread in order."""

    def __init__(self):
        self.issues: list[Issue] = []

    def report(self, issue: Issue) -> None:
        self.issues.append(issue)


def _coding_rule(rule: str | None) -> list[int]:
    """'4-2-2' (or 4222, 4/2/2) -> [4, 2, 2]; [] when there is none."""
    if not rule:
        return []
    parts = re.findall(r"\d+", rule)
    if len(parts) == 1 and len(parts[0]) > 1:
        parts = list(parts[0])
    return [int(p) for p in parts if int(p) > 0]


def _cumulative(lengths: list[int]) -> list[int]:
    total, out = 0, []
    for n in lengths:
        total += n
        out.append(total)
    return out


_MAPS = {
    "direction": (M.DIRECTIONS, pl.String, "DIRECTIONS", None),
    "posted": (M.POSTED, pl.Boolean, "POSTED", None),
    "void": (M.VOID, pl.Boolean, "VOID", None),
    "account_type": (M.ACCOUNT_TYPES, pl.String, "ACCOUNT_TYPES", "unknown"),
}


def _conversions(table: str) -> dict[str, xmlsafe.Conversion]:
    result = {}
    for field, definition in M.TABLES[table].items():
        label = f"{table}/{definition.names[0]}"
        if definition.kind in _MAPS:
            values, dtype, hint, unknown = _MAPS[definition.kind]
            result[field] = xmlsafe.Conversion("map", label, values, dtype, f"gbt24589_map.{hint}", unknown)
        elif definition.kind != "text":
            result[field] = xmlsafe.Conversion(definition.kind, label)
    return result


CONVERSIONS = {table: _conversions(table) for table in M.TABLES}


def _typed(text: pl.DataFrame, table: str, name: str, sink) -> pl.DataFrame:
    """A table's text columns converted by the kinds of its fields (one vectorised pass)."""
    frame = text if LINE in text.columns else text.with_columns(pl.lit(0, dtype=pl.Int64).alias(LINE))
    frame = xmlsafe.convert(frame, CONVERSIONS[table], name=name, sink=sink)
    if table == "会计科目":
        nil = frame.filter(pl.col("normal_balance") == "0")
        if nil.height:
            raise FormatError.of("nil_normal_balance", f"{name}:{nil[LINE][0]}", count=nil.height)
    return frame


LINE_FIELDS = M.element_fields("记账凭证")


def extract_lines(root, offset: int) -> dict:
    """In a worker: the text columns of a chunk of 记账凭证 rows (`xmlchunks.parse_chunk`)."""
    rows = xmlsafe.FlatRows("记账凭证", LINE_FIELDS)
    tags = set()
    for row in xmlchunks.local_tags(root, "记账凭证"):
        tags.add(row.tag)
        rows.add(row, offset)
    line = rows.lines[0] if rows.lines else offset + 1
    return {"frame": rows.take(""), "unknown": rows.unknown, "tags": tags, "line": line}


def write(source, target: Path, *, options: dict | None = None) -> list[Path]:
    """Write `source` as GB/T 24589.1-2010 XML; returns the files written.

    The writer and its options are in `gbt24589_write`."""
    from cpahub.ledgers.formats import gbt24589_write

    return gbt24589_write.write(source, target, options=options)


def __getattr__(attr: str):
    # The writer's names stay reachable from here (`gbt24589.LOSS_MESSAGES`), imported on first use
    # because `gbt24589_write` imports this module.
    if attr in _WRITER_NAMES:
        from cpahub.ledgers.formats import gbt24589_write

        return getattr(gbt24589_write, attr)
    raise AttributeError(f"module {__name__!r} has no attribute {attr!r}")


_WRITER_NAMES = frozenset({"LOSS_MESSAGES"})
