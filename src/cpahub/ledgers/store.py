"""Immutable ledger snapshots in Django storage (ADR 0009).

`SnapshotWriter` is the `LedgerSink` every import reads into: each master table and each batch of
voucher lines is conformed to the canonical schema and written as a zstd Parquet part into a private
temporary directory. It is also a `LedgerSource` over those local parts, so that validation runs
before anything is stored. `commit(prefix)` then saves every part through `default_storage` (the
filesystem or S3 — never a raw path) under a prefix that has never been used, followed by
`manifest.json`:

    {"format": "cpahub-ledger-snapshot", "canonical_version": "1.0",
     "tables": {"lines": {"rows": 1000000, "parts": [{"name": "lines/part-00000.parquet",
                "rows": 500000, "bytes": 12345678, "sm3": "..."}, ...]}, ...},
     "content_sm3": "..."}

The content digest is the SM3 of one text line per part (`name TAB rows TAB sm3`, sorted by name,
after a first line `cpahub-ledger-snapshot TAB <canonical version>`): it identifies the content
wherever the files sit. Nothing ever overwrites a part.

`SnapshotReader(snapshot)` is the `LedgerSource` over a committed snapshot: `lazy(name)` scans its
parts with Polars. With filesystem storage the parts are read in place (`default_storage.path`);
with any other storage they are downloaded once into `DATA_DIR/cache/ledgers/<content digest>/`.
Every part is checked against the manifest's SM3 before it is first read, and the manifest against
the digest recorded on the snapshot; a mismatch raises `SnapshotIntegrityError`.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from pathlib import Path

import polars as pl
from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from cpahub.core.crypto import sm3_file_hex, sm3_hex
from cpahub.ledgers import canonical
from cpahub.ledgers.validation import Findings

MANIFEST = "manifest.json"
MANIFEST_FORMAT = "cpahub-ledger-snapshot"
PART_ROWS = 500_000  # voucher lines per Parquet part
COMPRESSION = "zstd"


class SnapshotError(Exception):
    """The snapshot cannot be written or read."""


class SnapshotIntegrityError(SnapshotError):
    """A stored part or manifest does not match its recorded digest."""


class TooManyLines(SnapshotError):
    """The reader produced more voucher lines than the installation accepts."""


def content_digest(tables: dict, version: str) -> str:
    """The SM3 content digest over a manifest's `tables` entry (see the module docstring)."""
    entries = sorted(
        (part["name"], int(part["rows"]), part["sm3"]) for table in tables.values() for part in table["parts"]
    )
    text = f"{MANIFEST_FORMAT}\t{version}\n" + "".join(f"{n}\t{r}\t{d}\n" for n, r, d in entries)
    return sm3_hex(text.encode("utf-8"))


def _sm3_path(path: Path) -> str:
    with path.open("rb") as handle:
        return sm3_file_hex(handle)


def _join(prefix: str, name: str) -> str:
    return f"{prefix.rstrip('/')}/{name}"


class SnapshotWriter:
    """A `LedgerSink` (and `LedgerSource`) writing canonical Parquet parts; `commit()` stores them.

    Use it as a context manager: the temporary directory is removed on exit, committed or not.
    A master table written twice replaces the first (as `InMemoryLedger` does).
    """

    def __init__(
        self,
        *,
        max_lines: int | None = None,
        part_rows: int = PART_ROWS,
        issue_cap: int | None = None,
        temp_root: Path | None = None,
        on_lines=None,
    ):
        root = Path(temp_root or Path(settings.DATA_DIR) / "tmp")
        root.mkdir(parents=True, exist_ok=True)
        self.directory = Path(tempfile.mkdtemp(prefix="ledger-", dir=root))
        self.max_lines = max_lines
        self.part_rows = part_rows
        self.reported = Findings(cap=issue_cap) if issue_cap else Findings()
        self.line_count = 0
        self.on_lines = on_lines  # called with the running line count after each batch
        self.manifest: dict | None = None
        self.saved: list[str] = []  # storage names written by commit()
        self._parts: dict[str, list[dict]] = {}
        self._pending: list[pl.DataFrame] = []
        self._pending_rows = 0
        self._finished = False

    # -- LedgerSink -------------------------------------------------------------------------------
    def put(self, table: str, frame: pl.DataFrame) -> None:
        if table == "lines":
            raise ValueError("voucher lines go through put_lines()")
        if table not in canonical.TABLES:
            raise ValueError(f"unknown table {table!r}")
        self._check_open()
        frame = canonical.conform(table, frame)
        for part in self._parts.pop(table, []):
            (self.directory / part["name"]).unlink(missing_ok=True)
        self._parts[table] = [self._write(f"{table}/part-00000.parquet", frame)]

    def put_lines(self, frame: pl.DataFrame) -> None:
        self._check_open()
        frame = canonical.conform("lines", frame)
        if frame.height == 0:
            return
        self.line_count += frame.height
        if self.max_lines is not None and self.line_count > self.max_lines:
            raise TooManyLines(
                f"more than {self.max_lines:,} voucher lines: the ledger is too large to import"
            )
        self._pending.append(frame)
        self._pending_rows += frame.height
        if self._pending_rows >= self.part_rows:
            self._flush()
        if self.on_lines is not None:
            self.on_lines(self.line_count)

    def report(self, issue: canonical.Issue) -> None:
        self.reported.add_issue(issue)

    # -- LedgerSource -----------------------------------------------------------------------------
    def lazy(self, name: str) -> pl.LazyFrame:
        if name not in canonical.TABLES:
            raise ValueError(f"unknown table {name!r}")
        self.finish()
        parts = self._parts.get(name)
        if not parts:
            return canonical.empty(name).lazy()
        return pl.scan_parquet([self.directory / part["name"] for part in parts])

    def rows(self, name: str) -> int:
        self.finish()
        return sum(part["rows"] for part in self._parts.get(name, []))

    # -- life cycle -------------------------------------------------------------------------------
    def finish(self) -> None:
        """No more input: write the last lines part."""
        if not self._finished:
            self._flush()
            self._finished = True

    def commit(self, prefix: str) -> str:
        """Save every part and the manifest under `prefix` (which must be unused); return the digest."""
        self.finish()
        if self.manifest is not None:
            raise SnapshotError("this snapshot was committed already")
        if not prefix or prefix.startswith("/") or ".." in prefix.split("/"):
            raise SnapshotError(f"bad storage prefix {prefix!r}")
        tables = {}
        try:
            for table in canonical.TABLES:
                parts = []
                for part in self._parts.get(table, []):
                    local = self.directory / part["name"]
                    entry = {**part, "bytes": local.stat().st_size, "sm3": _sm3_path(local)}
                    with local.open("rb") as handle:
                        self._save(_join(prefix, part["name"]), File(handle))
                    parts.append(entry)
                tables[table] = {"rows": sum(p["rows"] for p in parts), "parts": parts}
            digest = content_digest(tables, canonical.VERSION)
            manifest = {
                "format": MANIFEST_FORMAT,
                "canonical_version": canonical.VERSION,
                "tables": tables,
                "content_sm3": digest,
            }
            body = json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")
            self._save(_join(prefix, MANIFEST), ContentFile(body))
        except BaseException:
            self.delete_saved()
            raise
        self.manifest = manifest
        return digest

    def delete_saved(self) -> None:
        """Remove what `commit()` stored (after a failure: nothing half-stored stays)."""
        for name in reversed(self.saved):
            with contextlib.suppress(Exception):  # best effort; the caller reports the original error
                default_storage.delete(name)
        self.saved = []

    def discard(self) -> None:
        shutil.rmtree(self.directory, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.discard()
        return False

    # -- internals --------------------------------------------------------------------------------
    def _check_open(self) -> None:
        if self._finished:
            raise SnapshotError("the snapshot writer is finished; nothing more can be written")

    def _flush(self) -> None:
        if not self._pending:
            return
        frame = pl.concat(self._pending, how="vertical")
        self._pending, self._pending_rows = [], 0
        index = len(self._parts.get("lines", []))
        self._parts.setdefault("lines", []).append(self._write(f"lines/part-{index:05d}.parquet", frame))

    def _write(self, name: str, frame: pl.DataFrame) -> dict:
        path = self.directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        frame.write_parquet(path, compression=COMPRESSION)
        return {"name": name, "rows": frame.height}

    def _save(self, name: str, content) -> None:
        if default_storage.exists(name):
            raise SnapshotError(f"{name} exists already: snapshot parts are never overwritten")
        saved = default_storage.save(name, content)
        self.saved.append(saved)
        if saved != name:
            raise SnapshotError(f"storage saved {name} as {saved}: snapshot parts are never renamed")


class SnapshotReader:
    """A `LedgerSource` over a committed snapshot (anything with `storage_prefix` and `content_sm3`)."""

    def __init__(self, snapshot, *, verify: bool = True, cache_root: Path | None = None):
        self.prefix = snapshot.storage_prefix
        if not self.prefix:
            raise SnapshotError("the snapshot has no stored files")
        self.verify = verify
        self.manifest = self._load_manifest(getattr(snapshot, "content_sm3", ""))
        self.digest = self.manifest["content_sm3"]
        self.cache_dir = Path(cache_root or Path(settings.DATA_DIR) / "cache" / "ledgers") / self.digest
        self._paths: dict[str, Path] = {}

    def _load_manifest(self, expected: str) -> dict:
        name = _join(self.prefix, MANIFEST)
        try:
            with default_storage.open(name, "rb") as handle:
                manifest = json.loads(handle.read().decode("utf-8"))
        except FileNotFoundError:
            raise SnapshotError(f"{name} is missing") from None
        except (ValueError, UnicodeDecodeError) as error:
            raise SnapshotIntegrityError(f"{name} is not a valid manifest: {error}") from None
        if manifest.get("format") != MANIFEST_FORMAT or "tables" not in manifest:
            raise SnapshotIntegrityError(f"{name} is not a ledger snapshot manifest")
        recomputed = content_digest(manifest["tables"], manifest.get("canonical_version", ""))
        if recomputed != manifest.get("content_sm3"):
            raise SnapshotIntegrityError(f"{name}: the content digest does not match the listed parts")
        if expected and recomputed != expected:
            raise SnapshotIntegrityError(
                f"{name}: content digest {recomputed} differs from the snapshot's recorded {expected}"
            )
        return manifest

    def parts(self, name: str) -> list[dict]:
        if name not in canonical.TABLES:
            raise ValueError(f"unknown table {name!r}")
        return self.manifest["tables"].get(name, {"parts": []})["parts"]

    def rows(self, name: str) -> int:
        return sum(int(part["rows"]) for part in self.parts(name))

    def lazy(self, name: str) -> pl.LazyFrame:
        parts = self.parts(name)
        if not parts:
            return canonical.empty(name).lazy()
        return pl.scan_parquet([self._local(part) for part in parts])

    def table(self, name: str) -> pl.DataFrame:
        return self.lazy(name).collect()

    def _local(self, part: dict) -> Path:
        """A local path for the part, checked against its SM3 the first time this reader uses it."""
        known = self._paths.get(part["name"])
        if known is not None:
            return known
        name = _join(self.prefix, part["name"])
        try:
            path = Path(default_storage.path(name))
        except NotImplementedError:
            path = self._download(name, part)
        else:
            if not path.is_file():
                raise SnapshotError(f"{name} is missing")
            if self.verify and not _matches(path, part["sm3"]):
                raise SnapshotIntegrityError(f"{name} does not match its SM3 digest in the manifest")
        self._paths[part["name"]] = path
        return path

    def _download(self, name: str, part: dict) -> Path:
        target = self.cache_dir / part["name"]
        if target.is_file():
            if not self.verify or _matches(target, part["sm3"]):
                return target
            target.unlink()  # a damaged cache copy: fetch it again
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".download-")
        try:
            with os.fdopen(handle, "wb") as out, default_storage.open(name, "rb") as source:
                shutil.copyfileobj(source, out, 1 << 20)
            if _sm3_path(Path(temporary)) != part["sm3"]:
                raise SnapshotIntegrityError(f"{name} does not match its SM3 digest in the manifest")
            os.replace(temporary, target)
        except FileNotFoundError:
            raise SnapshotError(f"{name} is missing") from None
        finally:
            if os.path.exists(temporary):
                os.unlink(temporary)
        return target


# Parts this process has already hashed, by path -> (size, mtime_ns, sm3). Paging through a large
# ledger opens a reader per request; re-hashing gigabytes each time would dominate. A file whose size
# or modification time changed is hashed again.
_VERIFIED: dict[str, tuple[int, int, str]] = {}


def _matches(path: Path, expected_sm3: str) -> bool:
    stat = path.stat()
    seen = _VERIFIED.get(str(path))
    if seen is not None and seen == (stat.st_size, stat.st_mtime_ns, expected_sm3):
        return True
    if _sm3_path(path) != expected_sm3:
        return False
    _VERIFIED[str(path)] = (stat.st_size, stat.st_mtime_ns, expected_sm3)
    return True
