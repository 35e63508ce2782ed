"""Chunked parallel parsing of XML ledgers (`formats.xmlchunks`): where the byte stream is cut, what
is never put in a chunk, and that the chunked read gives exactly what the sequential read gives
(tables, findings, errors and their lines), in document order."""

from __future__ import annotations

import io
import logging
import re
from pathlib import Path

import polars as pl
import pytest
from django.conf import settings
from hypothesis import HealthCheck, example, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from lxml import etree

from cpahub.ledgers import canonical
from cpahub.ledgers.canonical import InMemoryLedger
from cpahub.ledgers.formats import FormatError, gbt24589, saft, xmlchunks
from cpahub.ledgers.formats import gbt24589_map as M

SAFT_DIR = Path(settings.BASE_DIR).parent / "shared" / "data" / "saf-t"
EXAMPLES = sorted(SAFT_DIR.glob("example-*.xml"))
LARGE = SAFT_DIR / "example-888888888-2018.xml"


def pieces(data: bytes, chunk_bytes: int = 64, read_bytes: int = 16, record: bytes = b"R") -> list[tuple]:
    return list(xmlchunks.Splitter(io.BytesIO(data), record, chunk_bytes, read_bytes))


def chunks_of(found: list[tuple]) -> list[bytes]:
    return [piece[1] for piece in found if piece[0] == "chunk"]


def records(chunk: bytes) -> list[str]:
    root = etree.fromstring(b'<w xmlns:p="urn:p">' + chunk + b"</w>")
    return [child.tag for child in root]


# --- the splitter ----------------------------------------------------------------------------------


def test_runs_are_cut_after_record_end_tags_and_keep_every_byte():
    body = "".join(f"<R><a>{n}</a><b>x &lt; y</b></R>\n" for n in range(40))
    data = f'<?xml version="1.0"?>\n<root>\n<head>h</head>\n{body}<tail/></root>\n'.encode()
    found = pieces(data)
    assert b"".join(piece[1] for piece in found) == data
    chunks = chunks_of(found)
    assert len(chunks) > 3
    assert sum(len(records(c)) for c in chunks) == 40
    for chunk in chunks:
        assert chunk.startswith(b"<R>") and chunk.endswith(b"</R>")
    # each chunk knows its first line
    for piece in found:
        if piece[0] == "chunk":
            before = data[: data.index(piece[1])]
            assert piece[2] == before.count(b"\n") + 1


def test_a_run_stops_where_the_records_stop_being_siblings():
    data = b"<root><J><id>A</id><R>1</R><R>2</R></J>\n<J><id>B</id><R>3</R>\n<R>4</R></J><R>5</R></root>"
    chunks = chunks_of(pieces(data, chunk_bytes=1000))
    assert chunks == [b"<R>1</R><R>2</R>", b"<R>3</R>\n<R>4</R>", b"<R>5</R>"]


@pytest.mark.parametrize(
    "inside",
    [
        b"<!-- </R><R> -->",
        b"<![CDATA[</R><R>]]>",
        b"<?pi </R><R>?>",
    ],
)
def test_comments_cdata_and_processing_instructions_are_never_in_a_chunk(inside):
    records_before = b"".join(b"<R>%d</R>" % n for n in range(5))
    data = b"<root>" + records_before + b"<R>x" + inside + b"</R>" + records_before + b"</root>"
    found = pieces(data, chunk_bytes=10, read_bytes=7)
    assert b"".join(piece[1] for piece in found) == data
    for chunk in chunks_of(found):
        assert b"<!" not in chunk and b"<?" not in chunk
        assert set(records(chunk)) == {"R"}
    # the record holding the construct went to the sequential parser whole
    assert any(inside in piece[1] for piece in found if piece[0] == "xml")


def test_prefixed_records_and_similar_names():
    data = b'<p:root xmlns:p="urn:p"><p:RX>no</p:RX><p:R a="1">1</p:R> <p:R/><p:R>3</p:R></p:root>'
    assert chunks_of(pieces(data, chunk_bytes=5)) == [b'<p:R a="1">1</p:R>', b"<p:R/><p:R>3</p:R>"]


def test_a_truncated_record_is_left_to_the_sequential_parser():
    data = b"<root>" + b"".join(b"<R>%d</R>\n" % n for n in range(10)) + b"<R><a>cut"
    found = pieces(data, chunk_bytes=20)
    last = max(i for i, piece in enumerate(found) if piece[0] == "chunk")
    assert {piece[0] for piece in found[last + 1 :]} == {"xml"}
    assert b"".join(piece[1] for piece in found[last + 1 :]) == b"\n<R><a>cut"
    assert sum(len(records(c)) for c in chunks_of(found)) == 10


def test_namespaces_declared_below_the_root_stop_the_cutting():
    data = b'<root><R>1</R><R>2</R><J xmlns="urn:other"><R>3</R><R>4</R></J></root>'
    chunks = chunks_of(pieces(data, chunk_bytes=3))
    assert b"<R>3</R>" not in b"".join(chunks)


TEXT = st.lists(st.sampled_from([*"ab <>&'\"]-?!/\n\t", "账", "R", "</R>"]), max_size=12).map("".join)


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


ITEM = st.one_of(
    st.builds(lambda t: f"<R><a>{escape(t)}</a></R>", TEXT),
    st.builds(lambda t: f"<R><a>{escape(t)}</a><b/></R>", TEXT),
    st.builds(lambda t: f"<R><![CDATA[{t.replace(']]>', '')}]]></R>", TEXT),
    st.builds(lambda t: f"<!--{t.replace('-', '')}-->", TEXT),
    st.builds(lambda t: f"<?pi {t.replace('?>', '')}?>", TEXT),
    st.builds(lambda t: f"<other>{escape(t)}</other>", TEXT),
    st.sampled_from(["\n", "  ", "\r\n", "<p:R>prefixed</p:R>", "<R/>", '<R a="/>"/>', "<RR>no</RR>"]),
)


@hsettings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    items=st.lists(ITEM, max_size=30),
    chunk_bytes=st.integers(1, 120),
    read_bytes=st.integers(1, 50),
    lookahead=st.integers(1, 30),
)
@example(items=["<R/>", "<other></other>", "<R><a></a></R>"], chunk_bytes=5, read_bytes=5, lookahead=1)
@example(items=["<!--<R -->", "<R><a></a></R>"], chunk_bytes=5, read_bytes=1, lookahead=27)
def test_any_document_is_cut_only_at_record_boundaries(
    monkeypatch, items, chunk_bytes, read_bytes, lookahead
):
    monkeypatch.setattr(xmlchunks, "LOOKAHEAD", lookahead)
    document = '<?xml version="1.0" encoding="UTF-8"?>\n<root xmlns:p="urn:p">' + "".join(items) + "</root>"
    data = document.encode()
    found = pieces(data, chunk_bytes, read_bytes)
    assert b"".join(piece[1] for piece in found) == data
    whole = [e.tag for e in etree.fromstring(data) if e.tag in ("R", "{urn:p}R")]
    in_chunks, offset = [], 0
    for piece in found:
        if piece[0] == "chunk":
            assert b"<!" not in piece[1] and b"<?" not in piece[1]
            assert piece[2] == data[:offset].count(b"\n") + 1
            tags = records(piece[1])
            assert set(tags) <= {"R", "{urn:p}R"}
            in_chunks += tags
        offset += len(piece[1])
    assert len(in_chunks) <= len(whole)


# --- chunked reading gives what sequential reading gives --------------------------------------------


@pytest.fixture
def chunked(monkeypatch, settings, caplog):
    """Chunked reading of even small files: tiny chunks, two workers; yields the chunk counts."""
    monkeypatch.setattr(xmlchunks, "MIN_BYTES", 0)
    monkeypatch.setattr(xmlchunks, "CHUNK_BYTES", 1500)
    monkeypatch.setattr(xmlchunks, "READ_BYTES", 4096)
    settings.CPAHUB_LEDGER_XML_WORKERS = 2
    caplog.set_level(logging.DEBUG, logger="cpahub.ledgers.formats.xmlchunks")

    def counts() -> list[tuple[int, int]]:
        found = []
        for record in caplog.records:
            match = re.search(r"(\d+) chunks in \d+ workers .* (\d+) read sequentially", record.getMessage())
            if match:
                found.append((int(match.group(1)), int(match.group(2))))
        return found

    return counts


def read_both(module, path: Path, settings) -> tuple[InMemoryLedger, InMemoryLedger]:
    settings.CPAHUB_LEDGER_XML_WORKERS = 1
    sequential = InMemoryLedger()
    module.read(path, sequential)
    settings.CPAHUB_LEDGER_XML_WORKERS = 2
    parallel = InMemoryLedger()
    module.read(path, parallel)
    return sequential, parallel


def assert_same(first: InMemoryLedger, second: InMemoryLedger) -> None:
    for name in canonical.TABLES:
        assert first.table(name).equals(second.table(name)), name
    assert [(i.severity, i.code, i.message, i.location) for i in first.issues] == [
        (i.severity, i.code, i.message, i.location) for i in second.issues
    ]


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_saft_examples_read_the_same_in_chunks(example, chunked, settings):
    sequential, parallel = read_both(saft, example, settings)
    assert_same(sequential, parallel)
    assert sequential.table("lines").height > 0
    (count, fallbacks), *_ = chunked()
    assert count > 1 and fallbacks == 0


def test_lines_come_back_in_document_order(tmp_path, chunked, settings):
    ledger = InMemoryLedger()
    saft.read(LARGE, ledger)
    path = tmp_path / "many.xml"
    saft.write(ledger, path)
    settings.CPAHUB_LEDGER_XML_WORKERS = 2
    again = InMemoryLedger()
    saft.read(path, again)
    lines = again.table("lines")
    numbers = lines["source_location"].str.split(":").list.last().cast(pl.Int64)
    assert numbers.is_sorted() and lines.height == ledger.table("lines").height
    assert lines["voucher_number"].equals(ledger.table("lines")["voucher_number"])
    assert chunked()[-1][0] > 5


def gbt_file(tmp_path: Path, example: Path, encoding: str) -> Path:
    ledger = InMemoryLedger()
    saft.read(example, ledger)
    target = tmp_path / f"gb-{encoding}.xml"
    gbt24589.write(ledger, target, options={"encoding": encoding})
    return target


@pytest.mark.parametrize("encoding", ["GB18030", "UTF-8"])
def test_generated_gbt24589_files_read_the_same_in_chunks(tmp_path, chunked, settings, encoding):
    path = gbt_file(tmp_path, LARGE, encoding)
    sequential, parallel = read_both(gbt24589, path, settings)
    assert_same(sequential, parallel)
    assert parallel.table("lines").height > 100
    assert any(count > 1 and fallbacks == 0 for count, fallbacks in chunked())


def test_comments_and_cdata_between_records_are_read_sequentially(tmp_path, chunked, settings):
    path = gbt_file(tmp_path, LARGE, "UTF-8")
    text = path.read_text(encoding="utf-8")
    rows = text.split("</记账凭证>")
    rows[40] += "<!-- </记账凭证> in a comment -->"
    rows[80] = rows[80].replace("<记账凭证摘要>", "<记账凭证摘要><![CDATA[<&>]]>", 1)
    path.write_text("</记账凭证>".join(rows), encoding="utf-8")
    sequential, parallel = read_both(gbt24589, path, settings)
    assert_same(sequential, parallel)
    assert parallel.table("lines")["description"][80].startswith("<&>")


def test_a_broken_record_gives_the_sequential_error_and_line(tmp_path, chunked, settings):
    path = gbt_file(tmp_path, LARGE, "UTF-8")
    text = path.read_text(encoding="utf-8")
    rows = text.split("</记账凭证>")
    rows[60] = rows[60].replace("</科目编号>", "</科目>", 1)
    path.write_text("</记账凭证>".join(rows), encoding="utf-8")
    errors = []
    for workers in (1, 2):
        settings.CPAHUB_LEDGER_XML_WORKERS = workers
        with pytest.raises(FormatError) as raised:
            gbt24589.read(path, InMemoryLedger())
        errors.append((str(raised.value), raised.value.location))
    assert errors[0] == errors[1]
    assert "mismatch" in errors[0][0]


def test_a_bad_value_in_a_chunk_is_located_at_its_line(tmp_path, chunked, settings):
    path = gbt_file(tmp_path, LARGE, "UTF-8")
    lines = path.read_text(encoding="utf-8").split("\n")
    target = max(i for i, line in enumerate(lines) if "<借方本币金额>" in line)
    lines[target] = re.sub("<借方本币金额>[^<]*<", "<借方本币金额>五百<", lines[target])
    path.write_text("\n".join(lines), encoding="utf-8")
    settings.CPAHUB_LEDGER_XML_WORKERS = 2
    with pytest.raises(FormatError, match="'五百' is not a number") as raised:
        gbt24589.read(path, InMemoryLedger())
    assert raised.value.location == f"{path.name}:{target + 1}"


def test_a_truncated_file_is_cut_short_in_chunks_too(tmp_path, chunked, settings):
    data = LARGE.read_bytes()
    path = tmp_path / "cut.xml"
    path.write_bytes(data[: len(data) * 2 // 3])
    errors = []
    for workers in (1, 2):
        settings.CPAHUB_LEDGER_XML_WORKERS = workers
        with pytest.raises(FormatError, match="cut short") as raised:
            saft.read(path, InMemoryLedger())
        errors.append(raised.value.location)
    assert errors[0] == errors[1]


def test_one_worker_small_files_and_utf16_read_sequentially(tmp_path, monkeypatch, settings, caplog):
    caplog.set_level(logging.DEBUG, logger="cpahub.ledgers.formats.xmlchunks")
    settings.CPAHUB_LEDGER_XML_WORKERS = 2
    saft.read(EXAMPLES[0], InMemoryLedger())  # smaller than MIN_BYTES
    monkeypatch.setattr(xmlchunks, "MIN_BYTES", 0)
    settings.CPAHUB_LEDGER_XML_WORKERS = 1
    saft.read(EXAMPLES[0], InMemoryLedger())
    settings.CPAHUB_LEDGER_XML_WORKERS = 2
    path = tmp_path / "utf16.xml"
    text = EXAMPLES[0].read_text(encoding="utf-8-sig").replace('encoding="UTF-8"', 'encoding="UTF-16"')
    path.write_bytes(text.encode("utf-16"))
    saft.read(path, InMemoryLedger())
    assert not [r for r in caplog.records if "chunks in" in r.getMessage()]


def test_worker_count_defaults_to_the_cpus(settings):
    settings.CPAHUB_LEDGER_XML_WORKERS = 0
    assert xmlchunks.worker_count() >= 1
    settings.CPAHUB_LEDGER_XML_WORKERS = 3
    assert xmlchunks.worker_count() == 3


def test_a_worker_refuses_what_is_not_a_run_of_records():
    wrapped = f'<?xml version="1.0" encoding="UTF-8"?><cpahub-chunk xmlns="{M.NAMESPACE}">'.encode()
    good = "<记账凭证><科目编号>1001</科目编号></记账凭证>".encode()
    ok, result, _ = xmlchunks.parse_chunk(gbt24589.extract_lines, wrapped + good + b"</cpahub-chunk>", 7)
    assert ok and result["frame"]["account_code"].to_list() == ["1001"] and result["line"] == 7
    for bad in ("<其他/>", "<记账凭证><科目编号><x/></科目编号></记账凭证>", "<记账凭证>"):
        data = wrapped + good + bad.encode() + b"</cpahub-chunk>"
        ok, why, _ = xmlchunks.parse_chunk(gbt24589.extract_lines, data, 1)
        assert not ok and why
