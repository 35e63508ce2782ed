"""The platform's own exchange format: "cpahub audit data standard" v1 (STD-3).

A package is a folder, or a zip of one, holding one UTF-8 CSV file per canonical table
(`entity.csv`, `periods.csv`, `accounts.csv`, `dimensions.csv`, `balances.csv`, `lines.csv` —
or `lines-0001.csv`, `lines-0002.csv` ... —, `users.csv`, `cash_flow_items.csv`) and a
`manifest.json` with the standard's name and version, the producer, the entity, and for every file
its table, rows, bytes, SHA-256 and SM3 digests, and for voucher lines the control totals (count,
total debit, total credit, vouchers). The specification is `docs/data-standard/spec.md`; the field
rules are data in `cpahub.ledgers.spec`.

- `sniff(head, name)`: a zip whose first member is a manifest, or a manifest.json itself.
- `read(path, sink)`: path is the folder, the zip or the manifest. Streams: each file is first
  scanned line by line (record structure, exact line numbers even with quoted line breaks), then
  parsed with Polars in batches as text and checked column by column with vectorised expressions
  before it is cast to the canonical types. A value that breaks the spec raises `FormatError`
  with `file:line:column`; a required value that is empty, and digests, row counts or control
  totals that differ from the manifest, are reported to the sink as errors.
- `write(source, target)`: a folder, or a zip when `target` ends in `.zip`.
- `validate_package(path)`: everything a third party needs to check an export, without a
  database: the manifest against its JSON Schema, files, headers, every value, keys, references,
  digests and control totals, then the ledger checks of `cpahub.ledgers.validation` (vouchers
  balance, balances roll forward, the trial balance ties to the lines ...). It reports every
  problem it finds (up to a cap per kind) instead of stopping at the first.

The writer is `cpahub_std_write`; the per-file checks and `validate_package` are
`cpahub_std_validate`. Their public names are all reachable from this module.
"""

from __future__ import annotations

import hashlib
import json
import re
import tempfile
import zipfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path

import polars as pl
from cryptography.hazmat.primitives import hashes

from cpahub.core import textio as core_textio
from cpahub.ledgers import canonical, spec
from cpahub.ledgers.canonical import Issue
from cpahub.ledgers.formats import FormatError
from cpahub.ledgers.formats.cpahub_std_validate import (  # noqa: F401 -- the checks' public names, re-exported
    BATCH_ROWS,
    CHUNK,
    CONFORMANCE_SEVERITY,
    DEFAULT_CAP,
    ERROR,
    INFO,
    MAX_HEADER_BYTES,
    QUOTED,
    RECORD,
    SCAN_LINES,
    UNREADABLE,
    WARNING,
    PackageReport,
    Problems,
    _check_header,
    _FileState,
    _parse_batches,
    _read_header,
    _report_missing,
    _scan_structure,
    check_package,
    validate_package,
)
from cpahub.ledgers.formats.textio import zip_limits
from cpahub.ledgers.formats.xmlsafe import archive_error

FORMAT = "cpahub"
LABEL = "cpahub audit data standard v1 (CSV files and manifest.json)"

MANIFEST = spec.MANIFEST
MAX_MANIFEST_BYTES = 16 * 1024 * 1024


# --------------------------------------------------------------------------------------------------
# sniffing


def sniff(head: bytes, name: str) -> bool:
    """A zip whose first member is `manifest.json` (as this module writes them), or the manifest."""
    if head[:4] == b"PK\x03\x04" and len(head) >= 30:
        name_length = int.from_bytes(head[26:28], "little")
        first = head[30 : 30 + name_length].decode("utf-8", "replace")
        return first == MANIFEST or first.endswith("/" + MANIFEST)
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    return text.startswith(b"{") and b'"standard"' in text and spec.STANDARD.encode() in text


# --------------------------------------------------------------------------------------------------
# digests


class Digests:
    """SHA-256 and SM3 of a byte stream, and its length."""

    def __init__(self):
        self.sha256 = hashlib.sha256()
        self.sm3 = hashes.Hash(hashes.SM3())
        self.bytes = 0

    def update(self, data: bytes) -> None:
        self.sha256.update(data)
        self.sm3.update(data)
        self.bytes += len(data)

    def result(self) -> dict:
        return {"bytes": self.bytes, "sha256": self.sha256.hexdigest(), "sm3": self.sm3.finalize().hex()}


def file_digests(path: Path) -> dict:
    digests = Digests()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK), b""):
            digests.update(chunk)
    return digests.result()


# --------------------------------------------------------------------------------------------------
# packages: a folder, a zip or a manifest path


class Package:
    """An opened package. Data files are read from the folder, or extracted from the zip (with
    their digests computed on the way) into a private temporary folder."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.folder: Path | None = None
        self.zip: zipfile.ZipFile | None = None
        self.prefix = ""
        self._tmp: tempfile.TemporaryDirectory | None = None
        self.extracted: dict[str, dict] = {}  # name -> digests, for zip members
        if not self.path.exists():
            raise FormatError.of("no_such_file", self.path.name)
        if self.path.is_dir():
            self.folder = self.path
        elif self.path.name == MANIFEST:
            self.folder = self.path.parent
        elif zipfile.is_zipfile(self.path):
            try:
                self.zip = zipfile.ZipFile(self.path)
            except (zipfile.BadZipFile, OSError) as error:
                raise FormatError.of("zip_unreadable", self.path.name, error=str(error)) from None
            max_total, max_ratio = zip_limits({})
            try:  # declared sizes checked before anything is inflated (zip bombs)
                core_textio.inspect_zip(self.zip, max_total=max_total, max_ratio=max_ratio)
            except core_textio.ArchiveRefused as refused:
                if refused.reason == "ratio":  # name the member relative to the package
                    member = refused.member.rsplit("/", 1)[-1]
                    raise FormatError.of(
                        "archive_ratio", member, variant="member", ratio=refused.ratio
                    ) from None
                raise archive_error(refused, self.path.name) from None
            self.prefix = self._find_prefix()
        else:
            raise FormatError.of("not_a_package", self.path.name)
        self.manifest_text = self._read_manifest()

    # -- members
    def _find_prefix(self) -> str:
        manifests = [
            info.filename
            for info in self.zip.infolist()
            if info.filename == MANIFEST
            or (info.filename.count("/") == 1 and info.filename.endswith("/" + MANIFEST))
        ]
        if not manifests:
            raise FormatError.of("zip_without_manifest", self.path.name)
        if len(manifests) > 1:
            raise FormatError.of("zip_several_manifests", self.path.name, count=len(manifests))
        return manifests[0][: -len(MANIFEST)]

    def _read_manifest(self) -> str:
        if self.zip is not None:
            info = self.zip.getinfo(self.prefix + MANIFEST)
            if info.file_size > MAX_MANIFEST_BYTES:
                raise FormatError.of("manifest_too_large", MANIFEST, limit=MAX_MANIFEST_BYTES)
            raw = self.zip.read(info)
        else:
            manifest = self.folder / MANIFEST
            if not manifest.is_file():
                raise FormatError.of("package_without_manifest", self.folder.name)
            if manifest.stat().st_size > MAX_MANIFEST_BYTES:
                raise FormatError.of("manifest_too_large", MANIFEST, limit=MAX_MANIFEST_BYTES)
            raw = manifest.read_bytes()
        try:
            return raw.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise FormatError.of("manifest_not_utf8", MANIFEST, reason=error.reason) from None

    def names(self) -> list[str]:
        """Data-like files present in the package (manifest excluded), by name."""
        if self.zip is not None:
            found = []
            for info in self.zip.infolist():
                if info.is_dir() or not info.filename.startswith(self.prefix):
                    continue
                name = info.filename[len(self.prefix) :]
                if "/" not in name and name != MANIFEST:
                    found.append(name)
            return sorted(found)
        return sorted(p.name for p in self.folder.iterdir() if p.is_file() and p.name != MANIFEST)

    def size(self, name: str) -> int:
        if self.zip is not None:
            return self.zip.getinfo(self.prefix + name).file_size
        return (self.folder / name).stat().st_size

    def total_size(self) -> int:
        return self.path.stat().st_size if self.zip is not None else sum(self.size(n) for n in self.names())

    def local(self, name: str, expected_bytes: int | None = None) -> Path:
        """A local path of the member (zip members are extracted, digests computed on the way)."""
        if self.zip is None:
            return self.folder / name
        if self._tmp is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="cpahub-std-")
        target = Path(self._tmp.name) / name
        info = self.zip.getinfo(self.prefix + name)
        limit = info.file_size
        if expected_bytes is not None and info.file_size > expected_bytes:
            limit = expected_bytes  # never inflate past what the manifest announces
        digests = Digests()
        try:
            with self.zip.open(info) as source, target.open("wb") as out:
                while chunk := source.read(CHUNK):
                    digests.update(chunk)
                    if digests.bytes > limit:
                        raise FormatError.of("member_larger_than_announced", name, limit=limit)
                    out.write(chunk)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError) as error:
            raise FormatError.of("member_unreadable", name, variant="zip", error=str(error)) from None
        self.extracted[name] = digests.result()
        return target

    def close(self) -> None:
        if self.zip is not None:
            self.zip.close()
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


# --------------------------------------------------------------------------------------------------
# the manifest


def _manifest_validator():
    import jsonschema

    return jsonschema.Draft202012Validator(
        spec.manifest_schema(), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


def _check_manifest(text: str, problems: Problems) -> dict:
    """The parsed manifest; schema problems are reported, an unusable one raises FormatError."""
    try:
        manifest = json.loads(text)
    except json.JSONDecodeError as error:
        raise FormatError.of(
            "manifest_not_json", f"{MANIFEST}:{error.lineno}:{error.colno}", error=error.msg
        ) from None
    if not isinstance(manifest, dict):
        raise FormatError.of("manifest_not_object", MANIFEST)
    if manifest.get("standard") != spec.STANDARD:
        raise FormatError.of("not_this_standard", MANIFEST, standard=spec.STANDARD)
    version = str(manifest.get("version", ""))
    if not re.fullmatch(r"[0-9]+\.[0-9]+", version) or int(version.split(".")[0]) != spec.MAJOR:
        raise FormatError.of("version_unsupported", MANIFEST, version=version, major=spec.MAJOR)
    for error in sorted(_manifest_validator().iter_errors(manifest), key=lambda e: list(e.absolute_path)):
        pointer = "/" + "/".join(str(p) for p in error.absolute_path)
        problems.add(ERROR, "manifest_invalid", f"{MANIFEST}:{pointer}", pointer=pointer, error=error.message)
    files = manifest.get("files")
    if not isinstance(files, list) or not all(
        isinstance(f, dict) and isinstance(f.get("name"), str) for f in files
    ):
        raise FormatError.of("manifest_without_files", MANIFEST)
    return manifest


def _amount(value) -> Decimal | None:
    try:
        return Decimal(str(value))
    except ArithmeticError:
        return None


# --------------------------------------------------------------------------------------------------
# reading a package


class _PackageReader:
    """Reads a package into a sink; shared by `read` (strict) and `validate_package` (collecting)."""

    def __init__(self, package: Package, problems: Problems, *, package_locations: bool, progress=None):
        self.package = package
        self.problems = problems
        self.package_locations = package_locations
        self.progress = progress
        self.manifest: dict = {}
        self.minor = 0
        self.entries: list[dict] = []
        self.states: dict[str, _FileState] = {}
        self.digests: dict[str, dict] = {}
        self._done = 0
        self._total = 1
        self._size: int | None = None

    # -- inventory
    def inventory(self) -> None:
        problems = self.problems
        self.manifest = _check_manifest(self.package.manifest_text, problems)
        self.minor = int(str(self.manifest["version"]).split(".")[1])
        present = set(self.package.names())
        listed: set[str] = set()
        for index, entry in enumerate(self.manifest["files"]):
            name = entry["name"]
            where = f"{MANIFEST}:/files/{index}"
            table = spec.file_table(name)
            if name in listed:
                problems.add(ERROR, "file_duplicate", where, name=name)
                continue
            listed.add(name)
            if table is None:
                problems.add(ERROR, "file_unknown", where, name=name)
                continue
            if entry.get("table") != table:
                problems.add(
                    ERROR,
                    "manifest_invalid",
                    where,
                    variant="table",
                    name=name,
                    table=table,
                    given=entry.get("table"),
                )
            if name not in present:
                problems.fatal("file_missing", name, name=name)
                continue
            self.entries.append({**entry, "table": table})
        lines_files = [e["name"] for e in self.entries if e["table"] == "lines"]
        if "lines.csv" in lines_files and len(lines_files) > 1:
            problems.add(ERROR, "file_duplicate", MANIFEST, variant="mixed")
        for name in sorted(present - listed):
            if spec.file_table(name) is not None:
                problems.add(ERROR, "file_unlisted", name, name=name)
            else:
                problems.add(INFO, "file_ignored", name, variant="package", name=name)
        listed_tables = {spec.file_table(name) for name in listed}
        for table in spec.REQUIRED_TABLES:
            if table not in listed_tables:
                problems.fatal("table_missing", MANIFEST, table=table)
        order = {t: i for i, t in enumerate(spec.TABLE_ORDER)}
        self.entries.sort(key=lambda e: (order[e["table"]], e["name"]))
        self._total = max(sum(int(e.get("bytes") or 0) for e in self.entries), 1)

    # -- files
    def open_file(self, entry: dict) -> _FileState | None:
        name, table = entry["name"], entry["table"]
        expected = entry.get("bytes") if isinstance(entry.get("bytes"), int) else None
        path = self.package.local(name, expected_bytes=expected)
        state = _FileState(name=name, table=table, path=path)
        self.states[name] = state
        header = _read_header(path, name, self.problems)
        if header is None:
            state.usable = False
            return state
        _check_header(state, header, self.minor, self.problems)
        if not state.usable:
            return state
        state.structure = _scan_structure(path, name, len(header), self.problems)
        if not state.structure.ok:
            state.usable = False
        return state

    def frames(self, entry: dict) -> Iterator[pl.DataFrame]:
        """The typed batches of one file (nothing when it cannot be parsed)."""
        state = self.open_file(entry)
        if state is None or not state.usable:
            self._advance(entry)
            return
        size = max(int(entry.get("bytes") or 0), 1)
        records = max(state.structure.records, 1)
        done = 0
        for frame in _parse_batches(state, self.problems):
            done += frame.height
            self._report_progress(self._done + size * min(done, records) // records)
            yield frame
        _report_missing(state, self.problems)
        self._advance(entry)

    def _advance(self, entry: dict) -> None:
        self._done += max(int(entry.get("bytes") or 0), 0)
        self._report_progress(self._done)

    def _report_progress(self, done: int) -> None:
        if self.progress is not None:
            if self._size is None:
                self._size = self.package.total_size()
            total = self._size
            self.progress(min(total * done // self._total, total), total)

    # -- after the files
    def check_file(self, entry: dict, digests: dict | None, totals: dict | None) -> None:
        problems, name = self.problems, entry["name"]
        state = self.states.get(name)
        if digests is not None:
            if isinstance(entry.get("bytes"), int) and entry["bytes"] != digests["bytes"]:
                problems.add(
                    ERROR,
                    "digest_mismatch",
                    name,
                    variant="bytes",
                    field="bytes",
                    name=name,
                    expected=entry["bytes"],
                    found=digests["bytes"],
                )
            for algorithm in ("sha256", "sm3"):
                if entry.get(algorithm) and entry[algorithm] != digests[algorithm]:
                    problems.add(
                        ERROR,
                        "digest_mismatch",
                        name,
                        field=algorithm,
                        algorithm=algorithm.upper(),
                        name=name,
                        expected=entry[algorithm],
                        found=digests[algorithm],
                    )
        if (
            state is not None
            and state.usable
            and isinstance(entry.get("rows"), int)
            and entry["rows"] != state.rows
        ):
            problems.add(
                ERROR, "row_count_mismatch", name, name=name, expected=entry["rows"], found=state.rows
            )
        if totals is not None:
            self.compare_totals(entry.get("control_totals"), totals, name)

    def compare_totals(self, expected, found: dict, where: str) -> None:
        if not isinstance(expected, dict):
            if where != MANIFEST:
                self.problems.add(ERROR, "control_total_mismatch", where, variant="none", where=where)
            return
        for key, value in found.items():
            announced = expected.get(key)
            same = _amount(announced) == value if isinstance(value, Decimal) else announced == value
            if not same:
                self.problems.add(
                    ERROR,
                    "control_total_mismatch",
                    where if where != "all lines" else MANIFEST,
                    variant="all_lines" if where == "all lines" else "file",
                    where=where,
                    field=key,
                    expected=str(announced),
                    found=str(value),
                )


class _LineTotals:
    """Control totals of voucher lines, accumulated batch by batch."""

    def __init__(self):
        self.count = 0
        self.debit = Decimal("0.00")
        self.credit = Decimal("0.00")
        self.keys: list[pl.DataFrame] = []

    def add(self, frame: pl.DataFrame) -> None:
        self.count += frame.height
        sums = frame.select(pl.col("debit").sum(), pl.col("credit").sum()).row(0)
        self.debit += sums[0] if sums[0] is not None else 0
        self.credit += sums[1] if sums[1] is not None else 0
        self.keys.append(frame.select(spec.VOUCHER_KEY).unique())

    def merge(self, other: _LineTotals) -> None:
        self.count += other.count
        self.debit += other.debit
        self.credit += other.credit
        self.keys.extend(other.keys)

    def vouchers(self) -> int:
        if not self.keys:
            return 0
        self.keys = [pl.concat(self.keys).unique()]
        return self.keys[0].height

    def as_dict(self) -> dict:
        return {
            "count": self.count,
            "total_debit": self.debit.quantize(Decimal("0.01")),
            "total_credit": self.credit.quantize(Decimal("0.01")),
            "vouchers": self.vouchers(),
        }


def _fill_locations(frame: pl.DataFrame, name: str, override: bool) -> pl.DataFrame:
    location = pl.lit(f"{name}:") + pl.col("_line").cast(pl.Utf8)
    value = location if override else pl.coalesce(pl.col("source_location"), location)
    return frame.with_columns(source_location=value).drop("_line")


def _digest_pool(package: Package, entries: list[dict]):
    """Digests of the folder's files, computed beside the parsing (zip members get theirs when extracted)."""
    if package.zip is not None:
        return None, {}
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cpahub-std-digest")
    return pool, {e["name"]: pool.submit(file_digests, package.local(e["name"])) for e in entries}


def _read_into(reader: _PackageReader, sink, *, keep: dict | None = None) -> None:
    """Read every file of the package into `sink` (master tables first, then the lines)."""
    package, problems = reader.package, reader.problems
    reader.inventory()
    pool, pending = _digest_pool(package, reader.entries)
    all_lines = _LineTotals()
    try:
        for entry in reader.entries:
            table, name = entry["table"], entry["name"]
            totals = None
            if table == "lines":
                totals = _LineTotals()
                for frame in reader.frames(entry):
                    frame = _fill_locations(frame, name, reader.package_locations)
                    totals.add(frame)
                    sink.put_lines(frame)
                all_lines.merge(totals)
            else:
                parts = list(reader.frames(entry))
                state = reader.states.get(name)
                if state is not None and state.usable:
                    frame = (
                        pl.concat(parts)
                        if parts
                        else canonical.empty(table).with_columns(_line=pl.lit(None, dtype=pl.Int64))
                    )
                    if keep is not None:
                        keep[table] = frame  # with `_line`, the line of each row in its file
                    sink.put(table, frame.drop("_line"))
            digests = package.extracted.get(name)
            if name in pending:
                digests = pending[name].result()
            state = reader.states.get(name)
            reader.check_file(
                entry, digests, totals.as_dict() if totals is not None and state and state.usable else None
            )
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
    lines_usable = all(s.usable for s in reader.states.values() if s.table == "lines")
    if lines_usable and any(e["table"] == "lines" for e in reader.entries):
        expected = (reader.manifest.get("totals") or {}).get("lines")
        reader.compare_totals(expected, all_lines.as_dict(), "all lines")
        rows = (reader.manifest.get("totals") or {}).get("rows")
        if isinstance(rows, dict) and "lines" in rows and rows["lines"] != all_lines.count:
            problems.add(
                ERROR,
                "row_count_mismatch",
                MANIFEST,
                variant="lines",
                expected=rows["lines"],
                found=all_lines.count,
            )
    _check_entity(keep, sink, problems)


def _check_entity(keep, sink, problems: Problems) -> None:
    entity = keep.get("entity") if keep is not None else None
    if entity is None and isinstance(sink, canonical.InMemoryLedger):
        entity = sink.tables.get("entity")
    if entity is not None and entity.height != 1:
        problems.add(ERROR, "entity_rows", "entity.csv", count=entity.height)


def read(path: Path, sink, *, options: dict | None = None, progress=None) -> None:
    """Read the package at `path` (folder, zip or manifest.json) into `sink`.

    Options: `package_locations` (default False) — put this file and line into every line's
    `source_location`, even where the package gives the producer's own location.
    """
    options = options or {}
    problems = Problems(strict=True, report=sink.report)
    with Package(Path(path)) as package:
        reader = _PackageReader(
            package, problems, package_locations=bool(options.get("package_locations")), progress=progress
        )
        _read_into(reader, sink, keep={})


def write(source, target: Path, *, options: dict | None = None) -> list[Path]:
    """Write `source` as a package: a folder, or a zip when `target` ends in .zip (or options zip=True).

    The writer and its options are in `cpahub_std_write`, which imports this module (hence the
    import here)."""
    from cpahub.ledgers.formats import cpahub_std_write

    return cpahub_std_write.write(source, target, options=options)


def zip_package(folder: Path, target: Path, *, compresslevel: int = 6) -> Path:
    """Zip a package folder: manifest.json first (so that `sniff` recognises it), then its files."""
    from cpahub.ledgers.formats import cpahub_std_write

    return cpahub_std_write.zip_package(folder, target, compresslevel=compresslevel)


def describe(issue: Issue) -> str:
    """One line for people: severity, location, message."""
    where = f"{issue.location}: " if issue.location else ""
    return f"{issue.severity.upper():<7} {where}{issue.message}"


__all__ = [
    "FORMAT",
    "LABEL",
    "Package",
    "PackageReport",
    "check_package",
    "describe",
    "read",
    "sniff",
    "validate_package",
    "write",
    "zip_package",
]
