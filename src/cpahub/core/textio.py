"""Shared helpers for reading people's text files: encodings, delimiters, half-width folding, dates
and zip guards. Used by the registry import (`registry/importing`) and the ledger formats
(`ledgers/formats/textio.py`); nothing here knows about either.

Encodings: strict UTF-8 first (with or without BOM), then GB18030 (a superset of GBK and GB2312),
UTF-16 only with its BOM; a file that is none of these is refused with the offset of the first
byte that cannot be decoded, never decoded with replacement characters. `decode()` works on bytes in
memory; `detect_file_encoding()` validates a file of any size in chunks, and `transcode_to_utf8()`
rewrites a GB18030/UTF-16 file as UTF-8 for readers (Polars) that only read UTF-8.

Dates: the variants people type (yyyy-mm-dd, yyyy/m/d, yyyy.m.d, yyyy年m月d日, yyyymmdd, Excel day
numbers); full-width digits are folded first (NFKC).

Zip archives (xlsx workbooks, zipped exports) are inspected before anything is inflated: too many
members, a member that would expand by an absurd ratio or a total inflated size over the limit are
refused (`ArchiveRefused`); `copy_member()` inflates a member while counting the bytes really
produced, because the sizes declared in the archive can lie.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import io
import re
import shutil
import unicodedata
import zipfile
import zlib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from django.utils.translation import gettext as _

# --- encodings ------------------------------------------------------------------------------------

CHUNK = 1024 * 1024


@dataclass(frozen=True)
class Encoding:
    codec: str  # Python codec name: "utf-8", "gb18030", "utf-16"
    label: str  # what people are told: "UTF-8", "UTF-8 (BOM)", "GB18030", "UTF-16"
    bom: int = 0  # bytes of byte-order mark at the start of the file

    @property
    def is_utf8(self) -> bool:
        return self.codec == "utf-8"


UTF8 = Encoding("utf-8", "UTF-8")
UTF8_BOM = Encoding("utf-8", "UTF-8 (BOM)", len(codecs.BOM_UTF8))
GB18030 = Encoding("gb18030", "GB18030")
UTF16 = Encoding("utf-16", "UTF-16", 2)  # for a hint; the BOM decides the byte order
UTF16_LE = Encoding("utf-16-le", "UTF-16", 2)
UTF16_BE = Encoding("utf-16-be", "UTF-16", 2)
NAMED = {
    "utf-8": UTF8,
    "utf8": UTF8,
    "utf-8-sig": UTF8_BOM,
    "gb18030": GB18030,
    "gbk": GB18030,
    "gb2312": GB18030,
    "utf-16": UTF16,
}


class TextDecodeError(ValueError):
    """The bytes are not text in any accepted encoding. `code` is "encoding" or "binary"."""

    def __init__(self, code: str, *, offset: int | None = None, byte: int | None = None, tried: str = ""):
        self.code = code
        self.offset = offset
        self.byte = byte
        self.tried = tried
        if code == "binary":
            message = _("This is not a text file (it contains NUL bytes).")
        else:
            message = _(
                "The file is not readable as %(encodings)s text: the byte 0x%(byte)02X at offset %(offset)d "
                "cannot be decoded."
            ) % {"encodings": tried, "byte": byte or 0, "offset": offset or 0}
        super().__init__(message)
        self.message = message


def _bom_encoding(head: bytes) -> Encoding | None:
    if head.startswith(codecs.BOM_UTF8):
        return UTF8_BOM
    if head.startswith(codecs.BOM_UTF16_LE):
        return UTF16_LE
    if head.startswith(codecs.BOM_UTF16_BE):
        return UTF16_BE
    return None


def decode(data: bytes) -> tuple[str, str]:
    """Return (text, encoding label) of bytes in memory; raises TextDecodeError. Never guesses silently."""
    bom = _bom_encoding(data[:4])
    if bom is not None:
        codec = "utf-8-sig" if bom is UTF8_BOM else "utf-16"
        try:
            return data.decode(codec), bom.label
        except UnicodeDecodeError as error:
            raise TextDecodeError(
                "encoding", offset=error.start, byte=data[error.start], tried=bom.label.split(" ")[0]
            ) from None
    if b"\x00" in data:
        raise TextDecodeError("binary")
    try:
        return data.decode("utf-8"), UTF8.label
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), GB18030.label
    except UnicodeDecodeError as error:
        raise TextDecodeError(
            "encoding", offset=error.start, byte=data[error.start], tried="UTF-8 / GB18030"
        ) from None


def _validate(handle: BinaryIO, codec: str, start: int, *, check_nul: bool) -> int | None:
    """Decode the stream from `start` in chunks; the offset of the first bad byte, or None."""
    handle.seek(start)
    decoder = codecs.getincrementaldecoder(codec)("strict")
    fed = start
    while True:
        chunk = handle.read(CHUNK)
        final = not chunk
        if check_nul and b"\x00" in chunk:
            raise TextDecodeError("binary")
        pending = len(decoder.getstate()[0])
        try:
            decoder.decode(chunk, final)
        except UnicodeDecodeError as error:
            return fed - pending + error.start
        fed += len(chunk)
        if final:
            return None


def detect_file_encoding(path: Path, *, hint: str | None = None) -> Encoding:
    """The encoding of a text file of any size, checked over the whole file in chunks.

    `hint` ("utf-8", "gb18030", "utf-16"...) skips the detection but still validates. Raises
    TextDecodeError with the offset of the first undecodable byte.
    """
    with path.open("rb") as handle:
        head = handle.read(4)
        if hint:
            try:
                chosen = NAMED[hint.lower()]
            except KeyError:
                raise ValueError(f"unknown encoding {hint!r}; known: {', '.join(sorted(NAMED))}") from None
            if chosen.is_utf8 and head.startswith(codecs.BOM_UTF8):
                chosen = UTF8_BOM
            if chosen is UTF16:
                chosen = _bom_encoding(head) or UTF16_LE
                if not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
                    chosen = Encoding(chosen.codec, chosen.label, 0)
            candidates = [chosen]
        else:
            bom = _bom_encoding(head)
            candidates = [bom] if bom is not None else [UTF8, GB18030]
        offset = 0
        for encoding in candidates:
            found = _validate(handle, encoding.codec, encoding.bom, check_nul=encoding.label != "UTF-16")
            if found is None:
                return encoding
            offset = found
        tried = " / ".join(e.label.split(" ")[0] for e in candidates)
        handle.seek(offset)
        byte = handle.read(1)
        raise TextDecodeError("encoding", offset=offset, byte=byte[0] if byte else 0, tried=tried)


def transcode_to_utf8(source: Path, target: Path, encoding: Encoding) -> None:
    """Write `source` (in `encoding`) to `target` as UTF-8 without BOM, in chunks."""
    with source.open("rb") as reader, target.open("wb") as writer:
        reader.seek(encoding.bom)
        if encoding.is_utf8:
            shutil.copyfileobj(reader, writer, CHUNK)
            return
        decoder = codecs.getincrementaldecoder(encoding.codec)("strict")
        while True:
            chunk = reader.read(CHUNK)
            writer.write(decoder.decode(chunk, not chunk).encode("utf-8"))
            if not chunk:
                break


def read_head(path: Path, encoding: Encoding, size: int = 256 * 1024) -> str:
    """The first `size` bytes of a file as text (a character cut in half at the end is dropped)."""
    with path.open("rb") as handle:
        handle.seek(encoding.bom)
        data = handle.read(size)
    return codecs.getincrementaldecoder(encoding.codec)("replace").decode(data, False)


def line_of_offset(path: Path, offset: int) -> int:
    """The 1-based line number of a byte offset (counting LF)."""
    line = 1
    with path.open("rb") as handle:
        remaining = offset
        while remaining > 0:
            chunk = handle.read(min(CHUNK, remaining))
            if not chunk:
                break
            line += chunk.count(b"\n")
            remaining -= len(chunk)
    return line


# --- delimiters -----------------------------------------------------------------------------------

DELIMITERS = {",": "comma", "\t": "tab", ";": "semicolon", "|": "pipe"}
SNIFF_LINES = 50
SNIFF_CHARS = 256 * 1024


def sniff_delimiter(text: str, candidates=tuple(DELIMITERS)) -> str:
    """The delimiter that splits the first lines into the most rows of the same width.

    Ties go to the earlier candidate (comma first). Only the first 50 lines are looked at.
    """
    if len(text) > SNIFF_CHARS:
        text = text[:SNIFF_CHARS].rsplit("\n", 1)[0]
    sample = "\n".join(text.splitlines()[:SNIFF_LINES])
    best, best_score = candidates[0], (0, 0)
    for delimiter in candidates:
        try:
            rows = [
                r for r in csv.reader(io.StringIO(sample), delimiter=delimiter) if any(c.strip() for c in r)
            ]
        except csv.Error:
            continue
        widths = Counter(len(r) for r in rows if len(r) > 1)
        if not widths:
            continue
        width, consistent = widths.most_common(1)[0]
        score = (consistent, width)
        if score > best_score:
            best, best_score = delimiter, score
    return best


# --- half-width folding ---------------------------------------------------------------------------

# Full-width forms and the odd signs that spreadsheets and Chinese input methods produce, for
# vectorised folding where NFKC is not available (Polars `str.replace_many`).
HALF_WIDTH = {chr(0xFF10 + i): str(i) for i in range(10)} | {
    "\uff0c": ",",  # ，
    "\uff0e": ".",  # ．
    "\u3002": ".",  # 。 (typed for a decimal point)
    "\uff0d": "-",  # －
    "\u2212": "-",  # − minus sign
    "\u2013": "-",  # – en dash
    "\u2014": "-",  # — em dash (a nil amount in reports)
    "\uff0b": "+",  # ＋
    "\uff08": "(",  # （
    "\uff09": ")",  # ）
    "\uff1a": ":",  # ：
    "\uff0f": "/",  # ／
    "\u3000": " ",  # ideographic space
    "\u00a0": " ",  # no-break space
}


def fold(value: str) -> str:
    """NFKC: full-width digits, letters, spaces and punctuation become their half-width forms."""
    return unicodedata.normalize("NFKC", value)


def as_text(value) -> str:
    """A value as text (dates as yyyy-mm-dd, None as "")."""
    if isinstance(value, datetime.date):
        return value.isoformat()
    return "" if value is None else str(value)


def key(value) -> str:
    """A comparison key for headers and labels: folded, case-free, without spaces and marks."""
    text = fold(as_text(value)).casefold()
    return re.sub(r"[\s_\-*:：()\[\]{}<>《》【】/\\.、·,，;；'\"“”‘’]+", "", text)


# --- dates ----------------------------------------------------------------------------------------

EXCEL_EPOCH = datetime.date(1899, 12, 30)  # Excel's day 0 (with the 1900 leap-year bug absorbed)
MIN_DATE = datetime.date(1900, 1, 1)

DATE_ISO = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
DATE_CN = re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$")
DATE_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
DATE_SERIAL = re.compile(r"^(\d{5})(?:\.0+)?$")


def parse_date(value) -> datetime.date:
    """A date from an Excel date, an Excel day number, or yyyy-mm-dd, yyyy/mm/dd, yyyy年m月d日, yyyymmdd."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = re.sub(r"\s+", " ", fold(as_text(value))).strip()
    for pattern in (DATE_ISO, DATE_CN, DATE_COMPACT):
        match = pattern.match(text)
        if match:
            year, month, day = (int(part) for part in match.groups())
            try:
                result = datetime.date(year, month, day)
            except ValueError:
                raise ValueError(_("%(value)s is not a valid date.") % {"value": text}) from None
            if result < MIN_DATE:
                raise ValueError(_("%(value)s is before 1900.") % {"value": text})
            return result
    match = DATE_SERIAL.match(text)
    if match:
        # A date cell formatted as a number in Excel (e.g. 45292 = 2024-01-01).
        return EXCEL_EPOCH + datetime.timedelta(days=int(match.group(1)))
    raise ValueError(
        _("Not a date: write it as %(formats)s.")
        % {"formats": "yyyy-mm-dd, yyyy/mm/dd, yyyy年m月d日, yyyymmdd"}
    )


# --- zip archives ---------------------------------------------------------------------------------

MAX_ZIP_MEMBERS = 5000
RATIO_CHECK_FROM_BYTES = 1024 * 1024  # small members may compress well without being a threat


class ArchiveRefused(ValueError):
    """A zip archive that is damaged or looks like a zip bomb.

    `reason` is "damaged", "members" (too many), "ratio" (one member expands absurdly), "total"
    (the whole would expand past the limit) or "overflow" (a member produced more bytes than it
    declared or than allowed). `member`, `ratio`, `size` and `limit` say more.
    """

    def __init__(self, reason: str, *, member: str = "", ratio: int = 0, size: int = 0, limit: int = 0):
        self.reason = reason
        self.member = member
        self.ratio = ratio
        self.size = size
        self.limit = limit
        super().__init__(f"{reason}: {member} ratio={ratio} size={size} limit={limit}")


def open_zip(source: Path | bytes) -> zipfile.ZipFile:
    """A ZipFile over a path or bytes; ArchiveRefused("damaged") when it is not a readable zip."""
    try:
        return zipfile.ZipFile(io.BytesIO(source) if isinstance(source, bytes | bytearray) else source)
    except (zipfile.BadZipFile, ValueError, EOFError, OSError):
        raise ArchiveRefused("damaged") from None


def inspect_zip(
    archive: zipfile.ZipFile,
    *,
    max_total: int,
    max_ratio: int,
    max_members: int = MAX_ZIP_MEMBERS,
    ratio_from: int = RATIO_CHECK_FROM_BYTES,
) -> list[zipfile.ZipInfo]:
    """Check the declared sizes of every member before anything is inflated; return the members."""
    members = archive.infolist()
    if len(members) > max_members:
        raise ArchiveRefused("members", size=len(members), limit=max_members)
    total = 0
    for member in members:
        total += member.file_size
        if member.file_size > ratio_from and member.file_size > max_ratio * max(member.compress_size, 1):
            raise ArchiveRefused(
                "ratio",
                member=member.filename,
                ratio=member.file_size // max(member.compress_size, 1),
                size=member.file_size,
                limit=max_ratio,
            )
    if total > max_total:
        raise ArchiveRefused("total", size=total, limit=max_total)
    return members


def copy_member(archive: zipfile.ZipFile, member: zipfile.ZipInfo, target: BinaryIO, *, limit: int) -> int:
    """Inflate one member into `target`, refusing it as soon as it yields more than it declared or
    than `limit` bytes. Returns the bytes written."""
    allowed = min(member.file_size, limit)
    written = 0
    try:
        with archive.open(member) as source:
            while True:
                chunk = source.read(CHUNK)
                if not chunk:
                    break
                written += len(chunk)
                if written > allowed:
                    raise ArchiveRefused("overflow", member=member.filename, size=written, limit=allowed)
                target.write(chunk)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError, NotImplementedError) as error:
        raise ArchiveRefused("damaged", member=member.filename) from error
    return written
