"""Writing a cpahub audit data standard package (`cpahub_std.write` calls `write` here): a
folder of CSV files and manifest.json, or a zip of one. The format and reading are in `cpahub_std`.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
import zipfile
from pathlib import Path

import polars as pl

from cpahub.ledgers import canonical, spec
from cpahub.ledgers.formats.cpahub_std import MANIFEST, Digests, _LineTotals
from cpahub.ledgers.formats.cpahub_std_validate import BATCH_ROWS

# --------------------------------------------------------------------------------------------------
# writing


def _producer(options: dict) -> dict:
    if options.get("producer"):
        return dict(options["producer"])
    try:
        from importlib.metadata import version

        software_version = version("cpahub")
    except Exception:  # not installed as a distribution
        software_version = "unknown"
    return {"software": "cpahub", "version": software_version}


def _text_frame(table: str, frame: pl.DataFrame) -> pl.DataFrame:
    """The frame with every column in its CSV text form (Polars writes dates, numbers, booleans)."""
    columns = []
    for name, dtype in canonical.TABLES[table].items():
        column = pl.col(name)
        match spec.kind(dtype):
            case "text":
                column = pl.when(column != "").then(column)
            case "list":
                column = column.list.join(spec.LIST_SEPARATOR)
                column = pl.when(column != "").then(column)
            case "datetime":
                column = column.dt.to_string(spec.DATETIME_FORMAT)
        columns.append(column.alias(name))
    return frame.select(columns)


class _FileWriter:
    def __init__(self, path: Path, table: str):
        self.path = path
        self.table = table
        self.handle = path.open("wb")
        self.digests = Digests()
        self.rows = 0
        self.totals = _LineTotals() if table == "lines" else None
        self.last_key: str | None = None

    def write(self, frame: pl.DataFrame) -> None:
        data = _text_frame(self.table, frame).write_csv(
            include_header=self.digests.bytes == 0, line_terminator="\n", date_format="%Y-%m-%d"
        )
        raw = data.encode("utf-8")
        self.digests.update(raw)
        self.handle.write(raw)
        self.rows += frame.height
        if self.totals is not None and frame.height:
            self.totals.add(frame)
            self.last_key = frame.tail(1).select(_VOUCHER_KEY_TEXT).item()

    def close(self) -> dict:
        if self.digests.bytes == 0:  # an empty table: the header alone
            self.write(canonical.empty(self.table))
        self.handle.close()
        entry = {"name": self.path.name, "table": self.table, "rows": self.rows, **self.digests.result()}
        if self.totals is not None:
            entry["control_totals"] = _totals_json(self.totals.as_dict())
        return entry


def _totals_json(totals: dict) -> dict:
    return {
        "count": totals["count"],
        "total_debit": f"{totals['total_debit']:.2f}",
        "total_credit": f"{totals['total_credit']:.2f}",
        "vouchers": totals["vouchers"],
    }


def _json_value(value):
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


_VOUCHER_KEY_TEXT = pl.concat_str(
    [pl.col(c).cast(pl.Utf8).fill_null("\x00") for c in spec.VOUCHER_KEY], separator="\x1f"
).alias("key")


def _with_last(iterable):
    """(item, is_last) pairs."""
    iterator = iter(iterable)
    try:
        current = next(iterator)
    except StopIteration:
        return
    for following in iterator:
        yield current, False
        current = following
    yield current, True


def _fitting_rows(batch: pl.DataFrame, room: int, last_key: str | None) -> int:
    """How many rows of `batch` go into a file with `room` rows left: all when they fit, else as
    many as end at a voucher boundary (0 when none does)."""
    if batch.height < room:
        return batch.height
    if room <= 0:
        return 0
    keys = batch.slice(0, room + 1).select(_VOUCHER_KEY_TEXT)["key"]
    starts = keys != keys.shift(1, fill_value=last_key if last_key is not None else "\x02")
    boundaries = starts.arg_true()
    boundaries = boundaries.filter(boundaries <= room)
    return int(boundaries.max()) if boundaries.len() else 0


def _write_folder(source, folder: Path, options: dict) -> list[Path]:
    if folder.exists() and any(folder.iterdir()):
        raise FileExistsError(f"{folder} is not empty")
    folder.mkdir(parents=True, exist_ok=True)
    per_file = int(options.get("lines_per_file") or spec.LINES_PER_FILE)
    entries: list[dict] = []
    written: list[Path] = []
    tables: dict[str, pl.DataFrame] = {}
    for table in spec.TABLE_ORDER:
        if table == "lines":
            continue
        frame = canonical.conform(table, source.lazy(table).collect())
        tables[table] = frame
        writer = _FileWriter(folder / f"{table}.csv", table)
        writer.write(frame)
        entries.append(writer.close())
        written.append(writer.path)
    # Voucher lines: numbered files of at most `per_file` rows, each ending where a voucher ends.
    line_entries: list[dict] = []
    writer: _FileWriter | None = None
    all_lines = _LineTotals()

    def finish(current: _FileWriter) -> None:
        line_entries.append(current.close())
        written.append(current.path)
        all_lines.merge(current.totals)

    for batch, last in _with_last(source.lazy("lines").collect_batches(chunk_size=BATCH_ROWS)):
        batch = canonical.conform("lines", batch)
        while batch.height:
            if writer is None:
                writer = _FileWriter(folder / f"lines-{len(line_entries) + 1:04d}.csv", "lines")
            room = per_file - writer.rows
            cut = (
                batch.height if last and batch.height == room else _fitting_rows(batch, room, writer.last_key)
            )
            if cut == 0 and writer.rows == 0:
                cut = min(batch.height, per_file)  # a voucher longer than a file must be split
            if cut:
                writer.write(batch.slice(0, cut))
                batch = batch.slice(cut)
            if batch.height:
                finish(writer)
                writer = None
    if writer is None:
        writer = _FileWriter(folder / f"lines-{len(line_entries) + 1:04d}.csv", "lines")
    finish(writer)
    if len(line_entries) == 1:  # a single file is called lines.csv
        single = folder / "lines.csv"
        os.replace(folder / line_entries[0]["name"], single)
        line_entries[0]["name"] = single.name
        written[-1] = single
    after_balances = [e["table"] for e in entries].index("balances") + 1
    entries[after_balances:after_balances] = line_entries  # in table order
    entity = tables["entity"].row(0, named=True) if tables["entity"].height else {}
    manifest = {
        "standard": spec.STANDARD,
        "version": spec.VERSION,
        "producer": _producer(options),
        "created": options.get("created") or dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "entity": {
            key: _json_value(entity.get(key))
            for key in ("name", "credit_code", "currency", "fiscal_year", "period_start", "period_end")
        },
        "files": entries,
        "totals": {
            "rows": {
                e["table"]: sum(x["rows"] for x in entries if x["table"] == e["table"]) for e in entries
            },
            "lines": _totals_json(all_lines.as_dict()),
        },
    }
    path = folder / MANIFEST
    path.write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return [path, *written]


def zip_package(folder: Path, target: Path, *, compresslevel: int = 6) -> Path:
    """Zip a package folder: manifest.json first (so that `sniff` recognises it), then its files."""
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    partial = target.with_name(f".{target.name}.partial")
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED, compresslevel=compresslevel) as archive:
        archive.write(folder / MANIFEST, MANIFEST)
        for entry in manifest["files"]:
            archive.write(folder / entry["name"], entry["name"])
    os.replace(partial, target)
    return target


def write(source, target: Path, *, options: dict | None = None) -> list[Path]:
    """Write `source` as a package: a folder, or a zip when `target` ends in .zip (or options zip=True).

    Options: `lines_per_file` (1,000,000), `producer` ({"software", "version", "vendor"}),
    `created` (ISO date-time, default now), `compresslevel` for zips (6).
    """
    options = options or {}
    target = Path(target)
    if options.get("zip", target.suffix.lower() == ".zip"):
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix=".cpahub-std-", dir=target.parent) as tmp:
            _write_folder(source, Path(tmp) / "package", options)
            zip_package(Path(tmp) / "package", target, compresslevel=int(options.get("compresslevel", 6)))
        return [target]
    return _write_folder(source, target, options)
