"""Safe input for the XML ledger formats (SAF-T, GB/T 24589) and the file sets of GB/T 19581.

XML is parsed with lxml only, through `iterparse()` here or in chunks by `xmlchunks` (large files,
several processes) with the same `SAFE_OPTIONS` after the same `prepare()`: entity resolution, DTD
loading and network access off and libxml2's size limits on (`huge_tree=False`: at most 10 MB in
one text node and 256 levels of nesting). A document type declaration is refused before parsing starts — no
ledger format has one, and it is the carrier of entity bombs and external entities — so a
billion-laughs file, an external entity (`file:///etc/passwd`) or an external DTD never gets
further than its prolog. Every libxml2 error becomes a `FormatError` located `file:line`.

Encodings: the XML declaration rules (libxml2 honours it; UTF-8/UTF-16 byte-order marks too). A
file that declares UTF-8 but is not UTF-8 fails with a message saying what it looks like. A file
without a declaration is UTF-8 by the XML rules; when its bytes are not UTF-8 but all decode as
GB18030 it is read as GB18030 with a warning, never silently; otherwise it is refused. The option
`encoding` overrides all of this.

Inputs: a file, a directory of files or a zip archive. Archives are inspected before anything is
inflated and every member is read through a counter that stops it as soon as it yields more than
it declared (zip bombs: `cpahub.core.textio` limits).

Values: amounts are exact decimals in the XML Schema lexical form (no thousands separators, no
exponent); more decimals than the canonical column holds are rounded half up and reported, as the
text formats do; anything else is a `FormatError` naming the element and line.
"""

from __future__ import annotations

import codecs
import datetime
import io
import logging
import re
import time
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path

import polars as pl
from lxml import etree

from cpahub.core import textio as core_textio
from cpahub.ledgers.canonical import Issue
from cpahub.ledgers.formats import FormatError, archive_refusal
from cpahub.ledgers.formats.messages import make_issue
from cpahub.ledgers.formats.textio import zip_limits

# lxml parser options for every XML ledger file (iterparse and XMLParser take the same names).
SAFE_OPTIONS = {
    "resolve_entities": False,
    "no_network": True,
    "load_dtd": False,
    "dtd_validation": False,
    "huge_tree": False,
    "remove_comments": True,
    "remove_pis": True,
}
LINE = "__line"  # source line of each row in the frames readers build
PROLOG_LIMIT = 1024 * 1024  # bytes of comments/PIs allowed before the root element

logger = logging.getLogger(__name__)


def safe_parser(**extra) -> etree.XMLParser:
    """An XMLParser with the safe options (for whole documents: schemas, small files, tests)."""
    return etree.XMLParser(**(SAFE_OPTIONS | extra))


# --- inputs ----------------------------------------------------------------------------------------


@dataclass
class Source:
    """One readable input: a file or a zip member. `name` is what locations show."""

    name: str
    size: int
    _open: Callable[[], io.BufferedIOBase]

    def open(self) -> io.BufferedIOBase:
        return self._open()

    def head(self, size: int = 64 * 1024) -> bytes:
        with self.open() as handle:
            return handle.read(size)


class _Guarded(io.RawIOBase):
    """A zip member stream that refuses to yield more than the member declared."""

    def __init__(self, archive: zipfile.ZipFile, member: zipfile.ZipInfo, label: str):
        self._stream = archive.open(member)
        self._allowed = member.file_size
        self._done = 0
        self._label = label

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        try:
            data = self._stream.read(len(buffer))
        except (zipfile.BadZipFile, OSError, EOFError, RuntimeError) as error:
            raise FormatError.of("member_unreadable", self._label, error=str(error)) from None
        self._done += len(data)
        if self._done > self._allowed:
            raise FormatError.of("archive_overflow", self._label, variant="xml")
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self._stream.close()
        super().close()


def archive_error(error: core_textio.ArchiveRefused, name: str) -> FormatError:
    return archive_refusal(error, name, "xml")


def sources(path: Path, accept: Callable[[str], bool] | None = None) -> list[Source]:
    """The inputs of `path`: the file itself, the accepted files of a directory (sorted by name),
    or the accepted members of a zip archive. `accept(name)` filters directory and zip entries."""
    path = Path(path)
    if path.is_dir():
        found = [
            _file_source(child, f"{path.name}/{child.name}")
            for child in sorted(path.iterdir())
            if child.is_file() and (accept is None or accept(child.name))
        ]
        if not found:
            raise FormatError.of("folder_without_files", path.name)
        return found
    if is_zip(path):
        return _zip_sources(path, accept)
    return [_file_source(path, path.name)]


def is_zip(path: Path) -> bool:
    with Path(path).open("rb") as handle:
        return handle.read(4) == b"PK\x03\x04"


def _file_source(path: Path, name: str) -> Source:
    return Source(name, path.stat().st_size, lambda: path.open("rb"))


def _zip_sources(path: Path, accept) -> list[Source]:
    try:
        archive = core_textio.open_zip(path)
        max_total, max_ratio = zip_limits({})  # CPAHUB_LEDGER_MAX_UNCOMPRESSED_MB / _COMPRESSION_RATIO
        members = core_textio.inspect_zip(archive, max_total=max_total, max_ratio=max_ratio)
    except core_textio.ArchiveRefused as error:
        raise archive_error(error, path.name) from None
    chosen = []
    for member in members:
        base = member.filename.rsplit("/", 1)[-1]
        if member.is_dir() or not base or base.startswith(".") or member.filename.startswith("__MACOSX/"):
            continue
        if accept is not None and not accept(base):
            continue
        label = f"{path.name}/{member.filename}"
        chosen.append(
            Source(
                label,
                member.file_size,
                lambda m=member, label=label: io.BufferedReader(_Guarded(archive, m, label), 1024 * 1024),
            )
        )
    if not chosen:
        raise FormatError.of("zip_without_files", path.name)
    chosen.sort(key=lambda s: s.name)
    return chosen


class Progress:
    """Counts the bytes read over all sources and calls `callback(done, total)` now and then."""

    def __init__(self, callback, total: int):
        self.callback = callback
        self.total = max(total, 1)
        self.base = 0
        self.last = 0.0

    def wrap(self, handle) -> _Counting:
        return _Counting(handle, self)

    def seen(self, done: int, *, force: bool = False) -> None:
        if self.callback is None:
            return
        now = time.monotonic()
        if force or now - self.last > 0.2:
            self.last = now
            self.callback(min(self.base + done, self.total), self.total)

    def finish_source(self, size: int) -> None:
        self.base += size
        self.seen(0, force=True)


class _Counting:
    def __init__(self, handle, progress: Progress):
        self.handle = handle
        self.progress = progress
        self.done = 0

    def read(self, size: int = -1) -> bytes:
        data = self.handle.read(size)
        self.done += len(data)
        self.progress.seen(self.done)
        return data

    def close(self) -> None:
        self.handle.close()


# --- encodings and the prolog --------------------------------------------------------------------

_DECLARATION = re.compile(rb"^<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._\-]+)[\"']")


def declared_encoding(head: bytes) -> str | None:
    """The encoding named in the XML declaration (ASCII-compatible files), or None."""
    data = head[3:] if head.startswith(codecs.BOM_UTF8) else head
    match = _DECLARATION.match(data[:200])
    return match.group(1).decode("ascii") if match else None


def _bom(head: bytes) -> str | None:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    return None


def _valid_in(source: Source, codec: str) -> int | None:
    """Offset of the first byte of `source` that does not decode in `codec`, or None."""
    decoder = codecs.getincrementaldecoder(codec)("strict")
    fed = 0
    with source.open() as handle:
        while True:
            chunk = handle.read(core_textio.CHUNK)
            final = not chunk
            pending = len(decoder.getstate()[0])
            try:
                decoder.decode(chunk, final)
            except UnicodeDecodeError as error:
                return fed - pending + error.start
            fed += len(chunk)
            if final:
                return None


def choose_encoding(source: Source, head: bytes, options: dict, sink) -> str | None:
    """The encoding to impose on the parser, or None to let the XML declaration (or BOM) rule."""
    forced = (options or {}).get("encoding")
    if forced and str(forced).lower() not in ("", "auto"):
        try:
            codecs.lookup(str(forced))
        except LookupError:
            raise FormatError.of("unknown_encoding_option", source.name, encoding=str(forced)) from None
        return str(forced)
    if _bom(head) or declared_encoding(head):
        return None
    bad = _valid_in(source, "utf-8")
    if bad is None:
        return None
    if _valid_in(source, "gb18030") is None:
        sink.report(
            make_issue(
                "warning", "encoding_assumed", source.name, encoding="GB18030", first_non_utf8_byte=bad
            )
        )
        return "GB18030"
    raise FormatError.of("xml_encoding_unknown", source.name, offset=bad)


def check_prolog(source: Source, head: bytes, encoding: str | None) -> None:
    """Refuse a document type declaration (entity bombs, external entities, external DTDs)."""
    codec = encoding or _bom(head) or declared_encoding(head) or "utf-8"
    try:
        decoder = codecs.getincrementaldecoder(codec)("replace")
    except LookupError:
        raise FormatError.of("unknown_encoding_declared", source.name, encoding=codec) from None
    text = decoder.decode(head[:PROLOG_LIMIT], False).lstrip("\ufeff")
    position = 0
    while True:
        while position < len(text) and text[position] in " \t\r\n":
            position += 1
        if text.startswith("<?", position):
            end = text.find("?>", position)
            if end < 0:
                break
            position = end + 2
        elif text.startswith("<!--", position):
            end = text.find("-->", position)
            if end < 0:
                break
            position = end + 3
        elif text.startswith("<!", position):
            line = text.count("\n", 0, position) + 1
            raise FormatError.of("xml_doctype", f"{source.name}:{line}")
        else:
            return
    if len(head) >= PROLOG_LIMIT:
        raise FormatError.of("xml_no_root", source.name)


# --- parsing ---------------------------------------------------------------------------------------


def _line_count(source: Source) -> int:
    lines = 1
    with source.open() as handle:
        while chunk := handle.read(core_textio.CHUNK):
            lines += chunk.count(b"\n")
    return lines


def xml_error(error: etree.XMLSyntaxError, source: Source, encoding: str | None, head: bytes) -> FormatError:
    """A libxml2 error as a FormatError with `file:line`, explained where it helps."""
    line = error.lineno or (error.position[0] if error.position else 0)
    column = error.position[1] if error.position else 0
    message = (error.msg or str(error)).split(", line ")[0].strip()
    entries = [e for e in error.error_log if e.level >= etree.ErrorLevels.ERROR]
    if entries:  # the first error is the cause; what follows it is often only its consequence
        line, column, message = entries[0].line, entries[0].column, entries[0].message.strip()
    lower = message.lower()
    data = {"error": message, "column": column}
    if "encoding" in lower or "not proper utf-8" in lower:
        code = "xml_bad_bytes"
        data["encoding"] = declared = encoding or declared_encoding(head) or "UTF-8"
        if declared.replace("-", "").lower() == "utf8":
            try:
                head.decode("gb18030")
                data["variant"] = "gb18030"
            except UnicodeDecodeError:
                data["variant"] = "name_it"
    elif "excessive depth" in lower:
        code = "xml_too_deep"
    elif "huge" in lower or "resource limit" in lower or "too long" in lower:
        code = "xml_value_too_large"
    elif "premature end" in lower or "not properly terminated" in lower or line >= _line_count(source):
        code = "xml_cut_short"
    else:
        code = "xml_syntax"
    return FormatError.of(code, f"{source.name}:{line}", **data)


def prepare(source: Source, options: dict, sink) -> tuple[bytes, str | None]:
    """(the first bytes, the encoding to impose or None) of `source`, after the checks every parse
    makes first: not empty, a known encoding, no document type declaration."""
    head = source.head(PROLOG_LIMIT)
    if not head.strip():
        raise FormatError.of("file_empty", source.name)
    encoding = choose_encoding(source, head, options, sink)
    check_prolog(source, head, encoding)
    return head, encoding


def document_encoding(head: bytes) -> str:
    """The encoding the parser will use when none is imposed: byte-order mark, declaration, UTF-8."""
    return _bom(head) or declared_encoding(head) or "utf-8"


def iterparse(
    source: Source,
    *,
    tags,
    events=("end",),
    options: dict | None = None,
    sink=None,
    progress: Progress | None = None,
    prepared: tuple[bytes, str | None] | None = None,
) -> Iterator[tuple[str, etree._Element]]:
    """Stream (event, element) pairs of `source` for `tags`, safely. Callers clear what they read.

    `prepared` is what `prepare()` returned for this source, when the caller called it already."""
    head, encoding = prepared or prepare(source, options or {}, sink)
    kwargs = dict(SAFE_OPTIONS, events=events, tag=tags)
    if encoding:
        kwargs["encoding"] = encoding
    handle = source.open()
    stream = progress.wrap(handle) if progress is not None else handle
    checked = False
    etree.clear_error_log()  # so that an error's log holds this file's messages only
    try:
        for event, element in etree.iterparse(stream, **kwargs):
            if not checked:
                docinfo = element.getroottree().docinfo
                if docinfo.internalDTD is not None or docinfo.externalDTD is not None or docinfo.doctype:
                    raise FormatError.of("xml_doctype", source.name)
                checked = True
            yield event, element
    except etree.XMLSyntaxError as error:
        raise xml_error(error, source, encoding, head) from None
    except LookupError as error:  # an encoding libxml2 does not know
        raise FormatError.of("unknown_encoding", source.name, error=str(error)) from None
    finally:
        handle.close()
        if progress is not None:
            progress.finish_source(source.size)


def release(element: etree._Element) -> None:
    """Free a processed element and the siblings before it (constant memory while streaming)."""
    element.clear(keep_tail=False)
    parent = element.getparent()
    if parent is not None:
        index = parent.index(element)
        if index:
            del parent[:index]


def local(tag) -> str:
    """The local name of a Clark-notation tag ("{ns}name" -> "name")."""
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]


# --- values ----------------------------------------------------------------------------------------

_XSD_DECIMAL = r"^[+-]?(\d+(\.\d*)?|\.\d+)$"


def _clean(column: str) -> pl.Expr:
    value = pl.col(column).str.strip_chars(" \t\r\n\u3000\xa0")
    return pl.when(value == "").then(None).otherwise(value)


def _fail(
    frame: pl.DataFrame, mask: pl.Expr, column: str, name: str, problem: str, label: str, **data
) -> None:
    """Refuse the file for the first value where `mask` holds: a "bad_xml_value" FormatError of
    variant `problem` (formats.messages)."""
    bad = frame.filter(mask.fill_null(False))
    if bad.height:
        first = bad.row(0, named=True)
        raise FormatError.of(
            "bad_xml_value",
            f"{name}:{first[LINE]}",
            variant=problem if bad.height == 1 else f"{problem}_more",
            column=label,
            value=first[column],
            count=bad.height,
            **data,
        )


def decimals(
    frame: pl.DataFrame,
    columns: dict[str, str],
    *,
    name: str,
    sink,
    scale: int = 2,
    precision: int = 20,
) -> pl.DataFrame:
    """Convert the text `columns` (column -> element label) of `frame` to Decimal(precision, scale).

    `frame` must have the `LINE` column. Empty values stay null; excess decimals are rounded half
    up (warning); values that are not XML decimals or are too large raise FormatError."""
    dtype = pl.Decimal(precision, scale)
    present = [c for c in columns if c in frame.columns]
    if not present:
        return frame
    cleaned = frame.select(LINE, *[_clean(c).alias(c) for c in present])
    out = []
    for column in present:
        label = columns[column]
        value = pl.col(column)
        _fail(
            cleaned,
            value.is_not_null() & ~value.str.contains(_XSD_DECIMAL),
            column,
            name,
            "not_number",
            label,
        )
        whole = value.str.extract(r"^[+-]?0*(\d*)", 1)
        _fail(
            cleaned,
            value.is_not_null() & (whole.str.len_chars() > precision - scale),
            column,
            name,
            "too_large",
            label,
            digits=precision - scale,
        )
        excess = value.is_not_null() & value.str.extract(r"\.(\d*)$", 1).str.slice(scale).str.contains(
            "[1-9]"
        )
        rounded = cleaned.filter(excess.fill_null(False))
        if rounded.height:
            if sink is not None:
                first = rounded.row(0, named=True)
                sink.report(
                    make_issue(
                        "warning",
                        "amount_rounded",
                        f"{name}:{first[LINE]}",
                        variant="xml",
                        column=label,
                        count=rounded.height,
                        lines=rounded[LINE].head(10).to_list(),
                        scale=scale,
                        example=first[column],
                    )
                )
            exact = pl.Series(
                [
                    _round_half_up(v, scale) if ok else None
                    for v, ok in zip(
                        cleaned[column].to_list(),
                        cleaned.select(excess.fill_null(False))[column].to_list(),
                        strict=True,
                    )
                ],
                dtype=pl.String,
            )
            series = cleaned.select(
                pl.when(excess.fill_null(False)).then(exact).otherwise(value).alias(column)
            )[column]
        else:
            series = cleaned[column]
        out.append(series.cast(dtype).alias(column))
    return frame.with_columns(out)


def _round_half_up(text: str, scale: int) -> str:
    try:
        return str(Decimal(text).quantize(Decimal(1).scaleb(-scale), rounding=ROUND_HALF_UP))
    except InvalidOperation:
        return text


def integers(frame: pl.DataFrame, columns: dict[str, str], *, name: str) -> pl.DataFrame:
    """Whole numbers (Int64); anything else raises FormatError."""
    present = [c for c in columns if c in frame.columns]
    if not present:
        return frame
    cleaned = frame.select(LINE, *[_clean(c).alias(c) for c in present])
    for column in present:
        value = pl.col(column)
        _fail(
            cleaned,
            value.is_not_null() & ~value.str.contains(r"^[+-]?\d{1,18}$"),
            column,
            name,
            "not_integer",
            columns[column],
        )
    return frame.with_columns(cleaned.select([pl.col(c).cast(pl.Int64) for c in present]))


def dates(frame: pl.DataFrame, columns: dict[str, str], *, name: str, sink, style: str) -> pl.DataFrame:
    """Dates in `style` ("compact" yyyyMMdd, or "iso" yyyy-mm-dd with an optional time zone).

    Placeholders (00000000, 1900-01-01 and the like) become null with a warning; anything else that
    is not a date raises FormatError."""
    present = [c for c in columns if c in frame.columns]
    if not present:
        return frame
    cleaned = frame.select(LINE, *[_clean(c).alias(c) for c in present])
    out = []
    for column in present:
        label = columns[column]
        value = pl.col(column)
        if style == "compact":
            body = value.str.extract(r"^(\d{8})(?:\d{6})?$", 1)
            parsed = body.str.to_date("%Y%m%d", strict=False)
        else:
            body = value.str.extract(r"^(\d{4}-\d{2}-\d{2})(?:T[\d:.]+)?(?:Z|[+-]\d{2}:\d{2})?$", 1)
            parsed = body.str.to_date("%Y-%m-%d", strict=False)
        placeholder = value.str.contains(PLACEHOLDER_TEXT) | parsed.is_in(PLACEHOLDER_DATES)
        checked = cleaned.with_columns(
            parsed.alias("__parsed"), placeholder.fill_null(False).alias("__placeholder")
        )
        _fail(
            checked,
            value.is_not_null() & pl.col("__parsed").is_null() & ~pl.col("__placeholder"),
            column,
            name,
            "not_date",
            label,
            style="yyyyMMdd" if style == "compact" else "yyyy-mm-dd",
        )
        holders = checked.filter(value.is_not_null() & pl.col("__placeholder"))
        if holders.height and sink is not None:
            sink.report(
                make_issue(
                    "warning",
                    "placeholder_date",
                    f"{name}:{holders[LINE][0]}",
                    variant="xml",
                    column=label,
                    count=holders.height,
                )
            )
        out.append(
            checked.select(
                pl.when(pl.col("__placeholder")).then(None).otherwise(pl.col("__parsed")).alias(column)
            )[column]
        )
    return frame.with_columns(out)


PLACEHOLDER_TEXT = r"^0+$|^0{4}\D?0{1,2}\D?0{1,2}(\D|$)"
PLACEHOLDER_DATES = [
    datetime.date(1, 1, 1),
    datetime.date(1899, 12, 30),
    datetime.date(1899, 12, 31),
    datetime.date(1900, 1, 1),
    datetime.date(9999, 12, 31),
]


def mapped(
    frame: pl.DataFrame,
    column: str,
    values: dict[str, object],
    *,
    name: str,
    label: str,
    dtype,
    table_hint: str,
    unknown=None,
    sink=None,
) -> pl.DataFrame:
    """Replace the codes of `column` by their meaning from `values` (keys compared case-free after
    trimming). A code missing from the table raises FormatError naming the table to extend — or,
    when `unknown` is given, becomes `unknown` with a warning."""
    if column not in frame.columns:
        return frame
    keys = {str(k).strip().lower(): v for k, v in values.items()}
    cell = _clean(column).str.to_lowercase()
    checked = frame.select(LINE, cell.alias(column))
    known = pl.col(column).is_in(list(keys))
    if unknown is None:
        _fail(
            checked,
            pl.col(column).is_not_null() & ~known,
            column,
            name,
            "unknown_code",
            label,
            table=table_hint,
        )
    else:
        odd = checked.filter(pl.col(column).is_not_null() & ~known)
        if odd.height and sink is not None:
            sink.report(
                make_issue(
                    "warning",
                    "unknown_value",
                    f"{name}:{odd[LINE][0]}",
                    column=label,
                    values=sorted(set(odd[column].head(20).to_list())),
                    count=odd.height,
                    table=table_hint,
                    read_as=unknown,
                    example=odd[column][0],
                )
            )
    result = checked.select(
        pl.when(pl.col(column).is_null())
        .then(None)
        .otherwise(pl.col(column).replace_strict(keys, default=unknown, return_dtype=dtype))
        .alias(column)
    )[column]
    return frame.with_columns(result.alias(column))


@dataclass(frozen=True)
class Conversion:
    """How `convert()` reads one text column. kind: int, date (yyyyMMdd), iso_date (yyyy-mm-dd),
    amount, rate, quantity, or map (through `values`; unknown codes refused, or read as `unknown`)."""

    kind: str
    label: str
    values: dict | None = None
    dtype: object = None
    table_hint: str = ""
    unknown: object = None


DECIMAL_KINDS = {"amount": (2, 20), "rate": (8, 20), "quantity": (6, 24)}


def _date_expr(cell: pl.Expr, kind: str) -> pl.Expr:
    if kind == "date":
        return cell.str.extract(r"^(\d{8})(?:\d{6})?$", 1).str.to_date("%Y%m%d", strict=False)
    body = cell.str.extract(r"^(\d{4}-\d{2}-\d{2})(?:T[\d:.]+)?(?:Z|[+-]\d{2}:\d{2})?$", 1)
    return body.str.to_date("%Y-%m-%d", strict=False)


def convert(frame: pl.DataFrame, conversions: dict[str, Conversion], *, name: str, sink) -> pl.DataFrame:
    """Convert text columns in one vectorised pass; anything unusual (a value that does not read,
    excess decimals, placeholders, unknown codes) goes through the per-column functions above,
    which report it or raise FormatError with the line."""
    present = {c: v for c, v in conversions.items() if c in frame.columns}
    if not present:
        return frame
    values, flags = [], []
    for column, conversion in present.items():
        cell = _clean(column)
        kind = conversion.kind
        if kind == "int":
            value = cell.cast(pl.Int32, strict=False)
            odd = cell.is_not_null() & (value.is_null() | ~cell.str.contains(r"^[+-]?\d{1,10}$"))
        elif kind in DECIMAL_KINDS:
            scale, precision = DECIMAL_KINDS[kind]
            value = cell.cast(pl.Decimal(precision, scale), strict=False)
            whole = cell.str.extract(r"^[+-]?0*(\d*)", 1)
            excess = cell.str.extract(r"\.(\d*)$", 1).str.slice(scale).str.contains("[1-9]")
            odd = cell.is_not_null() & (
                ~cell.str.contains(_XSD_DECIMAL)
                | value.is_null()
                | (whole.str.len_chars() > precision - scale)
                | excess.fill_null(False)
            )
        elif kind in ("date", "iso_date"):
            value = _date_expr(cell, kind)
            odd = cell.is_not_null() & (value.is_null() | value.is_in(PLACEHOLDER_DATES))
        elif kind == "map":
            keys = {str(k).strip().lower(): v for k, v in (conversion.values or {}).items()}
            value = cell.str.to_lowercase().replace_strict(keys, default=None, return_dtype=conversion.dtype)
            odd = cell.is_not_null() & value.is_null()
        else:
            raise ValueError(f"unknown conversion {kind!r}")
        values.append(value.alias(column))
        flags.append(odd.fill_null(True).any().alias(column))
    unusual = [c for c, hit in frame.select(flags).row(0, named=True).items() if hit]
    frame = frame.with_columns([v for v, c in zip(values, present, strict=True) if c not in unusual])
    for column in unusual:
        conversion = present[column]
        kind = conversion.kind
        label = {column: conversion.label}
        if kind == "int":
            frame = integers(frame, label, name=name)
            frame = _int32(frame, column, name, conversion.label)
        elif kind in DECIMAL_KINDS:
            scale, precision = DECIMAL_KINDS[kind]
            frame = decimals(frame, label, name=name, sink=sink, scale=scale, precision=precision)
        elif kind in ("date", "iso_date"):
            frame = dates(frame, label, name=name, sink=sink, style="compact" if kind == "date" else "iso")
        else:
            frame = mapped(
                frame,
                column,
                conversion.values or {},
                name=name,
                label=conversion.label,
                dtype=conversion.dtype,
                table_hint=conversion.table_hint,
                unknown=conversion.unknown,
                sink=sink,
            )
    return frame


def _int32(frame: pl.DataFrame, column: str, name: str, label: str) -> pl.DataFrame:
    _fail(
        frame,
        pl.col(column).is_not_null() & ~pl.col(column).is_between(-(2**31), 2**31 - 1),
        column,
        name,
        "out_of_range",
        label,
    )
    return frame.with_columns(pl.col(column).cast(pl.Int32))


# --- writing ---------------------------------------------------------------------------------------
# The writers build their XML as text, row by row (lxml's incremental writer repeats namespace
# declarations on every element it is given, and building elements is slower than the files are
# large). Text goes through `xml_text()`, which escapes markup, keeps carriage returns as `&#13;` (a
# parser would turn a raw CR into LF) and drops what XML 1.0 cannot carry, counting it in `Losses`
# so that nothing disappears unreported.

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


class Losses:
    """What a writer could not carry into the target format, reported once per kind at the end.

    `options["report"]` (a callable taking an `Issue`) receives the findings; without it they are
    logged as warnings."""

    def __init__(self, options: dict | None, target: str):
        self.report = (options or {}).get("report")
        self.target = target
        self.counts: dict[str, int] = {}
        self.examples: dict[str, str] = {}

    def add(self, code: str, example: str = "", count: int = 1) -> None:
        self.counts[code] = self.counts.get(code, 0) + count
        self.examples.setdefault(code, example)

    def flush(self, messages: dict[str, str]) -> list[Issue]:
        issues = []
        for code, count in sorted(self.counts.items()):
            message = f"{messages.get(code, code)} ({count} time(s); e.g. {self.examples.get(code) or '-'})"
            issue = Issue("warning", code, message, self.target, {"count": count})
            issues.append(issue)
            if callable(self.report):
                self.report(issue)
            else:
                logger.warning("%s: %s", self.target, message)
        return issues


def xml_text(value, losses: Losses | None = None, *, limit: int | None = None, what: str = "") -> str:
    """Escaped element text; None is the empty string. Over-long values are cut at `limit`."""
    if value is None:
        return ""
    value = str(value)
    if limit is not None and len(value) > limit:
        if losses is not None:
            losses.add("value_truncated", f"{what}: {value[:40]}…")
        value = value[:limit]
    if _NOT_XML.search(value):
        if losses is not None:
            losses.add("character_dropped", f"{what}: {value[:40]!r}")
        value = _NOT_XML.sub("", value)
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


def xml_number(value) -> str:
    """A decimal in XML Schema form (no exponent); None is the empty string."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:f}"
    return str(value)


# --- flat table rows -------------------------------------------------------------------------------
# Tables whose rows are one element with one child element per field (GB/T 24589): each row is read
# as it ends, child by child, into a list of texts (the first value of a field counts; elements the
# mapping does not name are noted); values are trimmed by Polars when the batch is taken. Rows
# whose children have children of their own are refused (the tables are flat).

_BLANK = " \t\r\n\u3000\xa0"


class FlatRows:
    """Collects the rows of one flat table and turns them into a text frame (one column per field)."""

    def __init__(self, table: str, fields: dict[str, str]):
        self.table = table
        self.fields = fields  # element name -> field
        self.columns = list(dict.fromkeys(fields.values()))
        self.rows: list[list] = []
        self.lines: list[int] = []
        self.unknown: set[str] = set()
        self.nested: int | None = None  # line of the first row with elements inside a field
        self._index: dict = {}  # Clark tag -> column, or -1

    def __len__(self) -> int:
        return len(self.rows)

    def _column(self, tag) -> int:
        name = local(tag)
        field = self.fields.get(name) if name else None
        if field is None and name:
            self.unknown.add(name)
        index = self._index[tag] = self.columns.index(field) if field is not None else -1
        return index

    def add(self, element, offset: int = 0) -> None:
        row = [None] * len(self.columns)
        index_of = self._index
        for child in element:
            tag = child.tag
            index = index_of.get(tag)
            if index is None:
                index = self._column(tag)
            if len(child) and self.nested is None:
                self.nested = (element.sourceline or 0) + offset
            if index >= 0 and row[index] is None:
                row[index] = child.text
        self.rows.append(row)
        self.lines.append((element.sourceline or 0) + offset)

    def has_values(self, prefix: str) -> bool:
        """Whether any row has a value in a field whose name starts with `prefix`."""
        columns = [i for i, c in enumerate(self.columns) if c.startswith(prefix)]
        return any(row[i] is not None and row[i].strip(_BLANK) for row in self.rows for i in columns)

    def detach(self) -> FlatRows:
        """The rows collected so far, handed over in a new collector (this one starts empty again)."""
        other = FlatRows(self.table, self.fields)
        other.rows, other.lines, other.nested, other.unknown = (
            self.rows,
            self.lines,
            self.nested,
            self.unknown,
        )
        self.rows, self.lines, self.nested, self.unknown = [], [], None, set()
        return other

    def take(self, name: str) -> pl.DataFrame:
        """The collected rows as String columns named by field (all fields present) plus LINE."""
        rows, lines, nested = self.rows, self.lines, self.nested
        self.rows, self.lines, self.nested = [], [], None
        if nested is not None:
            raise FormatError.of("xml_nested_fields", f"{name}:{nested}", table=self.table)
        values = list(zip(*rows, strict=True)) if rows else [()] * len(self.columns)
        frame = pl.DataFrame(
            [
                pl.Series(column, column_values, dtype=pl.String)
                for column, column_values in zip(self.columns, values, strict=True)
            ]
        )
        trimmed = [pl.col(c).str.strip_chars(_BLANK) for c in self.columns]
        frame = frame.select(
            [
                pl.when(t == "").then(None).otherwise(t).alias(c)
                for t, c in zip(trimmed, self.columns, strict=True)
            ]
        )
        return frame.with_columns(pl.Series(LINE, lines, dtype=pl.Int64))
