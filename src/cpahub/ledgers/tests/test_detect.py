from pathlib import Path

import pytest
from django.conf import settings

from cpahub.ledgers import formats

SAFT = Path(settings.BASE_DIR).parent / "shared" / "data" / "saf-t" / "example-999999999-2016.xml"


def test_a_file_is_detected_by_its_content(tmp_path):
    copy = tmp_path / "export.dat"  # the name says nothing
    copy.write_bytes(SAFT.read_bytes())
    assert formats.detect(copy) == "saft"


def test_a_folder_is_detected_by_the_files_in_it(tmp_path):
    (tmp_path / "readme.txt").write_text("not a ledger", encoding="utf-8")
    (tmp_path / "books.xml").write_bytes(SAFT.read_bytes())
    assert formats.detect(tmp_path) == "saft"


def test_nothing_recognisable_is_a_clear_error(tmp_path):
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"\x00\x01\x02 nothing here")
    with pytest.raises(formats.FormatError, match="could not be recognised"):
        formats.detect(junk)
    with pytest.raises(formats.FormatError, match="could not be recognised"):
        formats.detect(tmp_path)
