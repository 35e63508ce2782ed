"""Test data for the store, checks, service and command: a small balanced ledger in the tiny format.

`BOOKS` passes every check. Its text lines (the locations the checks report) are numbered in the
comments: "books.tiny:22" is the first line of voucher 记-1.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.core.files.storage import InMemoryStorage
from django.utils._os import safe_join

from cpahub.ledgers import canonical
from cpahub.ledgers.tests import tinyformat

BOOKS = """TINY-LEDGER 1
entity|ACME Trading Co.|913601000000001234|CNY|2024|2024-01-01|2024-12-31
period|2024|1|2024-01-01|2024-01-31
period|2024|2|2024-02-01|2024-02-29
account|1001|Cash|1||asset|D
account|1122|Receivables|1||asset|D
account|112201|Receivables - trade|2|1122|asset|D
account|112202|Receivables - other|2|1122|asset|D
account|2202|Payables|1||liability|C
account|6001|Revenue|1||profit_loss|C
account|6401|Cost of sales|1||profit_loss|D
dimension|customer|C01|Customer One
dimension|supplier|S01|Supplier One
balance|1001|||500.00|120.00|0.00|620.00
balance|1122|||80.00|50.00|20.00|110.00
balance|112201|||80.00|50.00|20.00|110.00
balance|112202|||0.00|0.00|0.00|0.00
balance|112201|customer|C01|80.00|50.00|20.00|110.00
balance|2202|||-40.00|0.00|30.00|-70.00
balance|6001|||0.00|0.00|150.00|-150.00
balance|6401|||0.00|30.00|0.00|30.00
line|2024|1|记|1|2024-01-05|1|cash sale|1001|100.00|
line|2024|1|记|1|2024-01-05|2|cash sale|6001||100.00
line|2024|1|记|2|2024-01-10|1|credit sale|112201|50.00||customer=C01
line|2024|1|记|2|2024-01-10|2|credit sale|6001||50.00
line|2024|2|记|1|2024-02-03|1|purchase|6401|30.00|
line|2024|2|记|1|2024-02-03|2|purchase|2202||30.00|supplier=S01
line|2024|2|记|2|2024-02-20|1|receipt|1001|20.00|
line|2024|2|记|2|2024-02-20|2|receipt|112201||20.00|customer=C01
"""
# Text line numbers of the voucher lines above.
LINE_1_1, LINE_1_2, LINE_2_1, LINE_2_2 = 22, 23, 24, 25
LINE_FEB_1_1, LINE_FEB_1_2, LINE_FEB_2_1, LINE_FEB_2_2 = 26, 27, 28, 29


def edit(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


def write_books(directory: Path, text: str = BOOKS, name: str = "books.tiny") -> Path:
    path = Path(directory) / name
    path.write_text(text, encoding="utf-8")
    return path


def read_memory(directory: Path, text: str = BOOKS, name: str = "books.tiny") -> canonical.InMemoryLedger:
    ledger = canonical.InMemoryLedger()
    tinyformat.read(write_books(directory, text, name), ledger)
    return ledger


@pytest.fixture
def storage(settings, tmp_path):
    """Filesystem storage and the data directory (temp parts, caches) under this test's tmp_path."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.DATA_DIR = tmp_path / "data"
    return tmp_path


@pytest.fixture
def tiny(monkeypatch):
    tinyformat.register(monkeypatch)
    return tinyformat


class RemoteLikeStorage(InMemoryStorage):
    """Storage without local paths, like S3: `path()` is not available."""

    def path(self, name):
        raise NotImplementedError("this storage has no local paths")

    def _relative_path(self, name):
        return os.path.relpath(safe_join(self.location, name), self.location)


@pytest.fixture
def remote_storage(settings, tmp_path):
    """Default storage without local paths (like S3), and the data directory under tmp_path."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "cpahub.ledgers.tests.ledgerdata.RemoteLikeStorage"},
    }
    settings.DATA_DIR = tmp_path / "data"
    return tmp_path
