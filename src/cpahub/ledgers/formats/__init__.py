"""Ledger formats: each module reads a source format into a `LedgerSink` and, where the standard
asks for it, writes a `LedgerSource` back out. Modules are imported lazily by name.

A format module provides:
    FORMAT: str                              # id used on the command line (--format)
    LABEL: str                               # human name
    def sniff(head: bytes, name: str) -> bool   # True when the first bytes look like this format
    def read(path: Path, sink: LedgerSink, *, options: dict | None = None, progress=None) -> None
and optionally:
    def write(source: LedgerSource, target: Path, *, options: dict | None = None) -> list[Path]

`read` streams: voucher lines go to `sink.put_lines()` in batches; problems that do not stop the
read go to `sink.report(Issue(...))`; a file that cannot be read raises `FormatError` with the
location.
"""

from __future__ import annotations

import importlib
from pathlib import Path


class FormatError(ValueError):
    """The file cannot be read as this format; the message says where and why."""

    def __init__(self, message: str, location: str = ""):
        super().__init__(f"{location}: {message}" if location else message)
        self.location = location


# Order matters for detection: the most specific formats first.
MODULES = {
    "cpahub": "cpahub.ledgers.formats.cpahub_std",
    "saft": "cpahub.ledgers.formats.saft",
    "gbt24589": "cpahub.ledgers.formats.gbt24589",
    "gbt19581": "cpahub.ledgers.formats.gbt19581",
    "ads": "cpahub.ledgers.formats.ads",
    "tabular": "cpahub.ledgers.formats.tabular",
}


def get(name: str):
    try:
        return importlib.import_module(MODULES[name])
    except KeyError:
        raise FormatError(f"unknown format {name!r}; known: {', '.join(MODULES)}") from None


def available() -> dict:
    """Formats whose module exists (some are added in later work)."""
    found = {}
    for name, module in MODULES.items():
        try:
            found[name] = importlib.import_module(module)
        except ModuleNotFoundError as error:
            if error.name != module:
                raise
    return found


def detect(path: Path) -> str:
    """The format of `path` (a file, or a folder of module files) judged from first bytes.

    For a folder, every file in it is sniffed and the most specific format that fits any of them
    wins (the order of MODULES). FormatError when none fits.
    """
    files = sorted(p for p in path.iterdir() if p.is_file())[:200] if path.is_dir() else [path]
    modules = available()
    for name, module in modules.items():
        for file in files:
            with file.open("rb") as handle:
                head = handle.read(64 * 1024)
            if module.sniff(head, file.name):
                return name
    raise FormatError("the format could not be recognised; name it with --format", str(path.name))
