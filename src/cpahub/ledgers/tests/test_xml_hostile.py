"""Hostile and broken XML for the XML readers (SAF-T, GB/T 24589): every case is a clean
FormatError with a location, nothing expanded or fetched, and the reader never gets as far as
handing over its master tables (the sign of a completed read)."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest
from django.conf import settings

from cpahub.ledgers.canonical import InMemoryLedger
from cpahub.ledgers.formats import FormatError, gbt24589, saft
from cpahub.ledgers.formats import gbt24589_map as M

SAFT_FILE = Path(settings.BASE_DIR).parent / "shared" / "data" / "saf-t" / "example-999999999-2016.xml"
READERS = {"saft": saft, "gbt24589": gbt24589}
ROOTS = {"saft": f'<AuditFile xmlns="{saft.NAMESPACE}">', "gbt24589": f'<总账 xmlns="{M.NAMESPACE}">'}
ENDS = {"saft": "</AuditFile>", "gbt24589": "</总账>"}


def refuse(kind: str, path: Path, pattern: str) -> FormatError:
    ledger = InMemoryLedger()
    with pytest.raises(FormatError, match=pattern) as raised:
        READERS[kind].read(path, ledger)
    assert raised.value.location.startswith(path.name)
    assert "entity" not in ledger.tables  # the read did not complete
    return raised.value


def document(kind: str, prolog: str, body: str) -> bytes:
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{prolog}{ROOTS[kind]}{body}{ENDS[kind]}'.encode()


@pytest.fixture(params=list(READERS))
def kind(request) -> str:
    return request.param


def test_billion_laughs(tmp_path, kind):
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{n} "{("&lol" + str(n - 1) + ";") * 10 if n > 1 else "&lol;" * 10}">'
        for n in range(1, 10)
    )
    path = tmp_path / "bomb.xml"
    path.write_bytes(document(kind, f"<!DOCTYPE lolz [{entities}]>\n", "<x>&lol9;</x>"))
    error = refuse(kind, path, "document type declaration")
    assert error.location == "bomb.xml:2"


def test_external_entity_is_never_read(tmp_path, kind):
    path = tmp_path / "xxe.xml"
    body = (
        "<记账凭证><记账凭证摘要>&xxe;</记账凭证摘要></记账凭证>"
        if kind == "gbt24589"
        else "<Header>&xxe;</Header>"
    )
    path.write_bytes(document(kind, '<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n', body))
    error = refuse(kind, path, "document type declaration")
    assert "root:" not in str(error)


def test_undeclared_entity(tmp_path, kind):
    path = tmp_path / "undeclared.xml"
    path.write_bytes(document(kind, "", "\n<x>&xxe;</x>"))
    error = refuse(kind, path, "Entity 'xxe' not defined")
    assert error.location == "undeclared.xml:3"


def test_external_dtd_is_not_fetched(tmp_path, kind):
    path = tmp_path / "dtd.xml"
    path.write_bytes(
        document(kind, '<!-- a comment first -->\n<!DOCTYPE r SYSTEM "http://127.0.0.1:9/evil.dtd">\n', "")
    )
    error = refuse(kind, path, "document type declaration")
    assert error.location == "dtd.xml:3"


def test_truncated_file(tmp_path):
    data = SAFT_FILE.read_bytes()
    path = tmp_path / "cut.xml"
    path.write_bytes(data[: len(data) * 9 // 10])
    error = refuse("saft", path, "cut short")
    assert re.fullmatch(r"cut\.xml:\d+", error.location)


def test_truncated_gbt24589(tmp_path):
    rows = "".join(
        f"<记账凭证><记账凭证编号>{n}</记账凭证编号><借方本币金额>1.00</借方本币金额></记账凭证>\n"
        for n in range(200)
    )
    data = document("gbt24589", "", "\n" + rows)
    path = tmp_path / "cut.xml"
    path.write_bytes(data[: len(data) - 40])
    error = refuse("gbt24589", path, "cut short")
    assert error.location == "cut.xml:202"


def test_declared_utf8_but_other_bytes(tmp_path, kind):
    path = tmp_path / "latin.xml"
    text = document(kind, "", "\n<x>Leverandørgjeld 应付账款</x>").decode()
    path.write_bytes(text.encode("gb18030"))
    error = refuse(kind, path, "not valid UTF-8")
    # the first byte that is not UTF-8: in the text, or already in the Chinese root element name
    assert error.location == {"saft": "latin.xml:3", "gbt24589": "latin.xml:2"}[kind]


def test_bytes_in_no_known_encoding(tmp_path, kind):
    path = tmp_path / "binary.xml"
    path.write_bytes(ROOTS[kind].encode() + b"\x81\xff\xfe\x00\x80" + ENDS[kind].encode())
    refuse(kind, path, "neither UTF-8 nor GB18030")


def test_huge_text_node(tmp_path, kind):
    path = tmp_path / "huge.xml"
    path.write_bytes(document(kind, "", "<x>" + "x" * (11 * 1024 * 1024) + "</x>"))
    refuse(kind, path, "larger than the 10 MB")


def test_deep_nesting(tmp_path, kind):
    path = tmp_path / "deep.xml"
    path.write_bytes(document(kind, "", "<a>" * 300 + "</a>" * 300))
    error = refuse(kind, path, "nested more than 256 levels")
    assert error.location == "deep.xml:2"


def test_empty_and_not_xml(tmp_path, kind):
    empty = tmp_path / "empty.xml"
    empty.write_bytes(b"")
    refuse(kind, empty, "empty")
    text = tmp_path / "text.xml"
    text.write_bytes("科目编号,科目名称\n1001,库存现金\n".encode())
    refuse(kind, text, "Start tag expected")


def test_zip_bomb(tmp_path):
    path = tmp_path / "bomb.zip"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("总账.xml", b"<" + b" " * (30 * 1024 * 1024) + b">")
    path.write_bytes(buffer.getvalue())
    error = refuse("gbt24589", path, "possible zip bomb")
    assert error.location == "bomb.zip/总账.xml"


def test_zip_that_is_not_a_zip(tmp_path):
    path = tmp_path / "broken.zip"
    path.write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    refuse("gbt24589", path, "damaged or not a zip")
