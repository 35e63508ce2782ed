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
read go to `sink.report(messages.make_issue(...))`; a file that cannot be read raises `FormatError`
with the location. Findings and refusals carry a code and data so that they can be shown in the
user's language (see `messages`).
"""

from __future__ import annotations

import importlib
from pathlib import Path

from cpahub.ledgers.formats.messages import english, jsonable


class FormatError(ValueError):
    """The file cannot be read as this format; the message says where and why.

    Raise `FormatError.of(code, location, **data)` so that the refusal can be shown in the user's
    language (`validation.render_error`); a plain message is shown as it is.
    """

    def __init__(self, message: str = "", location: str = "", *, code: str = "", data: dict | None = None):
        self.code = code
        self.data = {key: jsonable(value) for key, value in (data or {}).items()}
        self.message = message or (english(code, self.data) if code else "")
        self.location = location
        super().__init__(f"{location}: {self.message}" if location else self.message)

    @classmethod
    def of(cls, code: str, location: str = "", /, **data) -> FormatError:
        return cls(location=location, code=code, data=data)


def archive_refusal(refused, name: str, style: str = "zip") -> FormatError:
    """A refused zip archive (`core.textio.ArchiveRefused`: damaged, or a possible zip bomb) as a
    coded FormatError. `style` picks the wording: "zip", "workbook" (an Excel file) or "xml"."""
    mb = 1024 * 1024
    data = {
        "member": refused.member,
        "ratio": refused.ratio,
        "size": refused.size,
        "limit": refused.limit,
        "size_mb": f"{refused.size / mb:.1f}",
        "limit_mb": f"{refused.limit / mb:.1f}",
    }
    if style != "zip":
        data["variant"] = style
    location = f"{name}/{refused.member}" if style == "xml" and refused.member else name
    return FormatError.of(f"archive_{refused.reason}", location, **data)


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
        raise FormatError.of("unknown_format", name=name, known=", ".join(MODULES)) from None


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
    raise FormatError.of("format_not_recognised", str(path.name))
