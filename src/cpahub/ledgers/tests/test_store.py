"""Snapshot store: Parquet parts through Django storage, manifest and digests, immutable, verified."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import InMemoryStorage, default_storage
from polars.testing import assert_frame_equal

from cpahub.core.crypto import sm3_hex
from cpahub.ledgers import canonical
from cpahub.ledgers.store import (
    SnapshotError,
    SnapshotIntegrityError,
    SnapshotReader,
    SnapshotWriter,
    TooManyLines,
    content_digest,
)
from cpahub.ledgers.tests.ledgerdata import (  # noqa: F401 - fixtures
    BOOKS,
    RemoteLikeStorage,
    read_memory,
    remote_storage,
    storage,
    write_books,
)
from cpahub.ledgers.tests.tinyformat import read as tiny_read

pytestmark = pytest.mark.usefixtures("storage")


class Stored:
    """What a `SnapshotReader` needs of a snapshot."""

    def __init__(self, prefix: str, digest: str = ""):
        self.storage_prefix = prefix
        self.content_sm3 = digest


def lines(n: int, start: int = 0) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "fiscal_year": [2024] * n,
            "period": [1] * n,
            "voucher_number": [str(start + i) for i in range(n)],
            "account_code": ["1001"] * n,
            "debit": [Decimal("1.25")] * n,
        }
    )


def books_writer(tmp_path, text: str = BOOKS, **kwargs) -> SnapshotWriter:
    writer = SnapshotWriter(**kwargs)
    tiny_read(write_books(tmp_path, text), writer)
    return writer


def test_writer_conforms_tables_and_groups_line_batches_into_parts():
    with SnapshotWriter(part_rows=4) as writer:
        writer.put("accounts", pl.DataFrame({"code": ["1001"], "name": ["Cash"], "level": [1]}))
        for start in (0, 2, 4, 6, 8):
            writer.put_lines(lines(2, start))
        writer.put_lines(lines(0))
        writer.finish()
        assert [(p["name"], p["rows"]) for p in writer._parts["lines"]] == [
            ("lines/part-00000.parquet", 4),
            ("lines/part-00001.parquet", 4),
            ("lines/part-00002.parquet", 2),
        ]
        assert writer.rows("lines") == 10
        table = writer.lazy("lines").collect()
        assert table.schema == pl.Schema(canonical.LINES)
        assert table["voucher_number"].to_list() == [str(i) for i in range(10)]
        assert table["debit"].sum() == Decimal("12.50")
        assert writer.lazy("accounts").collect()["code"].to_list() == ["1001"]
        assert writer.lazy("periods").collect().schema == pl.Schema(canonical.PERIODS)
        directory = writer.directory
    assert not directory.exists()  # the temporary parts are removed


def test_writer_refuses_bad_input():
    with SnapshotWriter() as writer:
        with pytest.raises(ValueError, match=r"lines: unknown columns \['amount'\]"):
            writer.put_lines(pl.DataFrame({"amount": [1]}))
        with pytest.raises(ValueError, match="put_lines"):
            writer.put("lines", lines(1))
        with pytest.raises(ValueError, match="unknown table"):
            writer.put("journal", pl.DataFrame({"x": [1]}))
        writer.finish()
        with pytest.raises(SnapshotError, match="finished"):
            writer.put_lines(lines(1))


def test_a_master_table_written_twice_replaces_the_first():
    with SnapshotWriter() as writer:
        writer.put("accounts", pl.DataFrame({"code": ["1001", "1002"]}))
        writer.put("accounts", pl.DataFrame({"code": ["2001"]}))
        assert writer.lazy("accounts").collect()["code"].to_list() == ["2001"]


def test_the_line_limit():
    with SnapshotWriter(max_lines=5) as writer:
        writer.put_lines(lines(5))
        with pytest.raises(TooManyLines, match="more than 5 voucher lines"):
            writer.put_lines(lines(1))


def test_reported_issues_are_capped_per_check_and_counted():
    with SnapshotWriter(issue_cap=2) as writer:
        for n in range(5):
            writer.report(canonical.Issue("warning", "ambiguous", f"row {n}", f"f.csv:{n}"))
        writer.report(canonical.Issue("error", "bad", "bad row", "f.csv:9"))
        assert [i.location for i in writer.reported.issues] == ["f.csv:0", "f.csv:1", "f.csv:9"]
        assert dict(writer.reported.totals) == {("warning", "ambiguous"): 5, ("error", "bad"): 1}


def test_commit_stores_parts_and_a_manifest_with_sm3_digests(tmp_path):
    with books_writer(tmp_path) as writer:
        digest = writer.commit("ledgers/1/abc")
        assert writer.manifest["content_sm3"] == digest
    manifest = json.loads(default_storage.open("ledgers/1/abc/manifest.json").read())
    assert manifest["format"] == "cpahub-ledger-snapshot"
    assert manifest["canonical_version"] == canonical.VERSION
    assert set(manifest["tables"]) == set(canonical.TABLES)
    assert {name: t["rows"] for name, t in manifest["tables"].items()} == {
        "entity": 1,
        "periods": 2,
        "accounts": 7,
        "dimensions": 2,
        "balances": 8,
        "lines": 8,
        "users": 0,
        "cash_flow_items": 0,
    }
    [part] = manifest["tables"]["lines"]["parts"]
    assert part["name"] == "lines/part-00000.parquet"
    stored = default_storage.open("ledgers/1/abc/lines/part-00000.parquet").read()
    assert part["sm3"] == sm3_hex(stored)
    assert part["bytes"] == len(stored)
    assert content_digest(manifest["tables"], canonical.VERSION) == digest
    # The files sit under MEDIA_ROOT through default storage.
    assert (tmp_path / "media" / "ledgers/1/abc/manifest.json").is_file()


def test_the_same_content_has_the_same_digest_wherever_it_is_stored(tmp_path):
    with books_writer(tmp_path) as first:
        one = first.commit("ledgers/1/one")
    with books_writer(tmp_path) as second:
        two = second.commit("ledgers/1/two")
    assert one == two
    changed = BOOKS.replace("cash sale|1001|100.00|", "cash sale|1001|100.01|")
    with books_writer(tmp_path, changed) as third:
        assert third.commit("ledgers/1/three") != one


def test_reader_gives_back_exactly_what_was_written(tmp_path):
    memory = read_memory(tmp_path)
    with books_writer(tmp_path) as writer:
        digest = writer.commit("ledgers/1/abc")
    reader = SnapshotReader(Stored("ledgers/1/abc", digest))
    for name in canonical.TABLES:
        assert_frame_equal(reader.table(name), memory.table(name))
    assert reader.rows("lines") == 8
    assert reader.lazy("lines").select(pl.col("debit").sum()).collect().item() == Decimal("200.00")


def test_nothing_is_ever_overwritten(tmp_path):
    with books_writer(tmp_path) as writer:
        digest = writer.commit("ledgers/1/abc")
        with pytest.raises(SnapshotError, match="committed already"):
            writer.commit("ledgers/1/other")
    before = default_storage.open("ledgers/1/abc/lines/part-00000.parquet").read()
    with SnapshotWriter() as other:
        other.put_lines(lines(3))
        with pytest.raises(SnapshotError, match="exists already: snapshot parts are never overwritten"):
            other.commit("ledgers/1/abc")
        assert other.saved == []  # what it had stored before the clash is removed again
    assert default_storage.open("ledgers/1/abc/lines/part-00000.parquet").read() == before
    SnapshotReader(Stored("ledgers/1/abc", digest)).table("lines")  # still intact


@pytest.mark.parametrize("prefix", ["", "/abs/path", "ledgers/../x"])
def test_bad_prefixes_are_refused(prefix):
    with SnapshotWriter() as writer, pytest.raises(SnapshotError, match="bad storage prefix"):
        writer.commit(prefix)


def test_a_changed_part_is_detected_on_read(tmp_path):
    with books_writer(tmp_path) as writer:
        digest = writer.commit("ledgers/1/abc")
    path = Path(default_storage.path("ledgers/1/abc/lines/part-00000.parquet"))
    SnapshotReader(Stored("ledgers/1/abc", digest)).table("accounts")
    frame = pl.read_parquet(path).with_columns(
        pl.lit(Decimal("999.00")).cast(canonical.AMOUNT).alias("debit")
    )
    path.chmod(0o644)
    frame.write_parquet(path, compression="zstd")
    reader = SnapshotReader(Stored("ledgers/1/abc", digest))
    reader.table("accounts")  # untouched tables still read
    with pytest.raises(SnapshotIntegrityError, match=r"lines/part-00000\.parquet does not match its SM3"):
        reader.lazy("lines")


def test_a_changed_manifest_or_a_wrong_recorded_digest_is_detected(tmp_path):
    with books_writer(tmp_path) as writer:
        digest = writer.commit("ledgers/1/abc")
    with pytest.raises(SnapshotIntegrityError, match="differs from the snapshot's recorded"):
        SnapshotReader(Stored("ledgers/1/abc", "0" * 64))
    name = "ledgers/1/abc/manifest.json"
    manifest = json.loads(default_storage.open(name).read())
    manifest["tables"]["lines"]["parts"][0]["rows"] = 9
    default_storage.delete(name)
    default_storage.save(name, ContentFile(json.dumps(manifest).encode()))
    with pytest.raises(SnapshotIntegrityError, match="content digest does not match the listed parts"):
        SnapshotReader(Stored("ledgers/1/abc", digest))
    with pytest.raises(SnapshotError, match=r"manifest\.json is missing"):
        SnapshotReader(Stored("ledgers/1/nothing"))


@pytest.mark.usefixtures("remote_storage")
def test_remote_storage_parts_are_downloaded_once_into_the_cache(tmp_path, monkeypatch):
    with books_writer(tmp_path) as writer:
        digest = writer.commit("ledgers/7/remote")
    reader = SnapshotReader(Stored("ledgers/7/remote", digest))
    assert reader.table("lines").height == 8
    cached = tmp_path / "data" / "cache" / "ledgers" / digest / "lines" / "part-00000.parquet"
    assert cached.is_file()

    opened = []

    def counting_open(self, name, mode="rb"):
        opened.append(name)
        return InMemoryStorage.open(self, name, mode)

    monkeypatch.setattr(RemoteLikeStorage, "open", counting_open)
    again = SnapshotReader(Stored("ledgers/7/remote", digest))
    assert again.table("lines").height == 8
    assert opened == ["ledgers/7/remote/manifest.json"]  # the part came from the cache

    cached.write_bytes(b"damaged")
    opened.clear()
    third = SnapshotReader(Stored("ledgers/7/remote", digest))
    assert third.table("lines").height == 8  # a damaged cache copy is fetched again
    assert opened == ["ledgers/7/remote/manifest.json", "ledgers/7/remote/lines/part-00000.parquet"]


@pytest.mark.usefixtures("remote_storage")
def test_remote_storage_part_changed_at_the_source_is_refused(tmp_path):
    with books_writer(tmp_path) as writer:
        digest = writer.commit("ledgers/7/remote")
    name = "ledgers/7/remote/accounts/part-00000.parquet"
    default_storage.delete(name)
    default_storage.save(name, ContentFile(b"not the stored part"))
    reader = SnapshotReader(Stored("ledgers/7/remote", digest))
    with pytest.raises(SnapshotIntegrityError, match=r"accounts/part-00000\.parquet does not match"):
        reader.lazy("accounts")
    cache = tmp_path / "data" / "cache" / "ledgers" / digest / "accounts"
    assert list(cache.iterdir()) == []  # nothing unverified is left in the cache


def test_a_part_is_hashed_once_per_process_until_it_changes(tmp_path, monkeypatch):
    from cpahub.ledgers import store

    part = tmp_path / "part.parquet"
    part.write_bytes(b"parquet bytes")
    digest = store._sm3_path(part)
    calls = []
    real = store._sm3_path
    monkeypatch.setattr(store, "_sm3_path", lambda p: calls.append(p) or real(p))
    monkeypatch.setattr(store, "_VERIFIED", {})
    assert store._matches(part, digest) and store._matches(part, digest)
    assert len(calls) == 1
    part.write_bytes(b"altered bytes!")  # size changes: hashed again, and refused
    assert not store._matches(part, digest)
    assert len(calls) == 2
