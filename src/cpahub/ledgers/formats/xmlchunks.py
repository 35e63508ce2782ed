"""Parallel parsing of the record elements of a large XML ledger file (ADR 0010).

A big SAF-T or GB/T 24589 file is almost all one kind of record (`Transaction`, `记账凭证`), one after
another. `events()` streams the file as `xmlsafe.iterparse()` does, but cuts the runs of those records
out of the byte stream into chunks of about `CHUNK_BYTES` and has worker processes parse them
(lxml, the same safe options) and turn them into text frames with the reader's `extract` function,
while this process parses everything else (the "skeleton": header, master files, the elements around
the records) with a pull parser. Results come back in document order: the caller gets
`("end", element)` for skeleton elements and `("chunk", result)` where a chunk stood.

Cutting at bytes is sound because `<` only ever starts markup in XML — except inside comments, CDATA
sections and processing instructions. The splitter therefore never puts one of those (`<!`, `<?`) in
a chunk: it passes them, and whatever it cannot vouch for, to the skeleton parser, and a run ends at
the first record end tag that is not followed (after white space) by the next record's start tag.
A chunk the worker cannot parse cleanly as a sequence of records — malformed, nested oddly, an
undeclared prefix — is not an error there: its bytes are fed to the skeleton parser in its place,
so the records are read sequentially and any error is reported exactly as without chunks, with the
file's line. The skeleton parser sees an empty placeholder element and the chunk's newlines instead
of a parsed chunk, so its line numbers stay those of the file.

Files smaller than `MIN_BYTES`, in an encoding where ASCII bytes are not always characters (UTF-16),
declaring namespaces below the root, or read with one worker (`CPAHUB_LEDGER_XML_WORKERS=1`), take
the sequential path. At most two chunks per worker are in flight, so memory stays bounded.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import re
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor

from lxml import etree

from cpahub.ledgers.formats import FormatError, xmlsafe

CHUNK_BYTES = 4 * 1024 * 1024  # a chunk: ~10,000 voucher lines
MIN_BYTES = 32 * 1024 * 1024  # smaller files are read sequentially (starting workers costs more)
READ_BYTES = 8 * 1024 * 1024
FEED_BYTES = 256 * 1024
LOOKAHEAD = 4096  # bytes kept back at the end of the buffer so that a tag is never cut in two
PLACEHOLDER = "{urn:cpahub:xml-chunk}chunk"
_PLACEHOLDER_XML = b'<c:chunk xmlns:c="urn:cpahub:xml-chunk"/>'
WRAPPER = "cpahub-chunk"
# Encodings in which a byte < 0x80 is always that ASCII character (so "<" is always markup).
ASCII_SAFE = re.compile(
    r"^(utf-?8|us-?ascii|ascii|gb18030|gbk|gb2312|euc-cn|iso-?8859-\d+|latin-?1|cp125\d|windows-125\d)$"
)
PRELOAD = ["cpahub.ledgers.formats.saft", "cpahub.ledgers.formats.gbt24589"]
GIVE_UP = 8  # chunk sizes scanned past a run's start without a record end: no run there
_SPECIAL_ENDS = {b"<!--": b"-->", b"<![CDATA[": b"]]>", b"<?": b"?>"}

logger = logging.getLogger(__name__)

Extract = Callable[[etree._Element, int], object]


class NotRecords(Exception):
    """A worker met something other than a run of records: the chunk is read sequentially."""


def worker_count() -> int:
    """Processes that parse chunks (CPAHUB_LEDGER_XML_WORKERS; 0 means one per CPU)."""
    try:
        from django.conf import settings

        configured = int(getattr(settings, "CPAHUB_LEDGER_XML_WORKERS", 0))
    except Exception:  # outside Django: the default
        configured = 0
    if configured > 0:
        return configured
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def events(
    source: xmlsafe.Source,
    *,
    tags: list[str],
    record: str,
    extract: Extract,
    options: dict | None = None,
    sink=None,
    progress: xmlsafe.Progress | None = None,
    workers: int | None = None,
) -> Iterator[tuple[str, object]]:
    """`("end", element)` for `tags` outside the record runs and `("chunk", (extract(...), parent
    element))` for each run of `record` elements (local name) parsed by a worker, in document order."""
    workers = worker_count() if workers is None else workers
    head, encoding = xmlsafe.prepare(source, options or {}, sink)
    codec = encoding or xmlsafe.document_encoding(head)
    if workers < 2 or source.size < MIN_BYTES or not ASCII_SAFE.match(codec.lower()):
        yield from xmlsafe.iterparse(
            source, tags=tags, options=options, sink=sink, progress=progress, prepared=(head, encoding)
        )
        return
    yield from _Driver(source, head, encoding, codec, tags, record, extract, workers, progress).run()


class _Driver:
    """Feeds the skeleton parser in document order and hands record runs to the worker pool."""

    def __init__(self, source, head, encoding, codec, tags, record, extract, workers, progress):
        self.source, self.head, self.encoding = source, head, encoding
        self.extract = extract
        self.workers = workers
        self.progress = progress
        self.record = record.encode(codec)
        kwargs = dict(xmlsafe.SAFE_OPTIONS, events=("end",), tag=[*tags, PLACEHOLDER])
        if encoding:
            kwargs["encoding"] = encoding
        self.parser = etree.XMLPullParser(**kwargs)
        self.prefix = _wrapper_start(head, encoding, codec)
        self.suffix = f"</{WRAPPER}>".encode()
        self.pool: ProcessPoolExecutor | None = None
        self.pending: deque = deque()  # ("xml", bytes) | ("chunk", future, bytes) in document order
        self.ready: deque = deque()  # results of chunks whose placeholder is not parsed yet
        self.running = 0
        self.broken = False
        self.fallbacks = 0  # chunks the workers could not take (read sequentially instead)
        self.chunks = 0
        self.worker_seconds = 0.0  # CPU time the workers spent on this file

    def run(self) -> Iterator[tuple[str, object]]:
        handle = self.source.open()
        stream = self.progress.wrap(handle) if self.progress is not None else handle
        etree.clear_error_log()
        if self.prefix is not None:  # start the workers now: they come up while the head is read
            pool = self._pool()
            for _ in range(self.workers):
                pool.submit(os.getpid)
        try:
            splitter = Splitter(stream, self.record, CHUNK_BYTES, READ_BYTES)
            for piece in splitter:
                if piece[0] == "chunk" and self.prefix is not None and not self.broken:
                    self.pending.append(("chunk", self._submit(piece[1], piece[2]), piece[1]))
                    self.running += 1
                    self.chunks += 1
                else:
                    self.pending.append(("xml", piece[1]))
                yield from self._drain()
            yield from self._drain(final=True)
            self.parser.close()
            yield from self._events(self.parser.read_events())
            logger.debug(
                "%s: %d chunks in %d workers (%.1f s CPU), %d read sequentially",
                self.source.name,
                self.chunks,
                self.workers,
                self.worker_seconds,
                self.fallbacks,
            )
        except etree.XMLSyntaxError as error:
            raise xmlsafe.xml_error(error, self.source, self.encoding, self.head) from None
        except LookupError as error:
            raise FormatError.of("unknown_encoding", self.source.name, error=str(error)) from None
        finally:
            handle.close()
            if self.pool is not None:
                self.pool.shutdown(wait=True, cancel_futures=True)
            if self.progress is not None:
                self.progress.finish_source(self.source.size)

    def _pool(self) -> ProcessPoolExecutor:
        if self.pool is None:
            self.pool = ProcessPoolExecutor(self.workers, mp_context=_context())
        return self.pool

    def _submit(self, data: bytes, first_line: int) -> Future:
        return self._pool().submit(parse_chunk, self.extract, self.prefix + data + self.suffix, first_line)

    def _drain(self, *, final: bool = False) -> Iterator[tuple[str, object]]:
        """Feed what is in order; wait for a chunk only when enough are in flight (or at the end)."""
        while self.pending:
            kind, *rest = self.pending[0]
            busy = self.running >= 2 * self.workers
            if kind == "chunk" and not (final or busy or rest[0].done()):
                return
            self.pending.popleft()
            if kind == "xml":
                yield from self._feed(rest[0])
                continue
            self.running -= 1
            future, data = rest
            result = self._result(future)
            if result is None:
                yield from self._feed(data)  # read sequentially: same elements, same errors
            else:
                self.ready.append(result)
                yield from self._feed(_PLACEHOLDER_XML + b"\n" * data.count(b"\n"))

    def _feed(self, data: bytes) -> Iterator[tuple[str, object]]:
        """Feed the skeleton parser in small slices (libxml2 refuses a push of more than 10 MB
        pending input without XML_PARSE_HUGE), handing on the events of each."""
        for start in range(0, len(data), FEED_BYTES):
            self.parser.feed(data[start : start + FEED_BYTES])
            yield from self._events(self.parser.read_events())

    def _result(self, future: Future):
        try:
            ok, value, seconds = future.result()
            self.worker_seconds += seconds
        except Exception as error:  # the pool broke (a worker was killed): the rest goes sequentially
            logger.warning(
                "%s: XML worker pool failed (%s); reading on sequentially", self.source.name, error
            )
            self.broken = True
            return None
        if not ok:
            self.fallbacks += 1
            logger.debug("%s: a chunk is read sequentially: %s", self.source.name, value)
            return None
        return value

    def _events(self, found) -> Iterator[tuple[str, object]]:
        for event, element in found:
            if element.tag == PLACEHOLDER:
                yield "chunk", (self.ready.popleft(), element.getparent())
                xmlsafe.release(element)
            else:
                yield event, element


def parse_chunk(extract: Extract, data: bytes, first_line: int) -> tuple[bool, object, float]:
    """In a worker: parse one wrapped chunk and extract its records: (True, result, CPU seconds), or
    (False, why, CPU seconds) when it cannot.

    Any failure only means "read this chunk sequentially", which then reports real errors."""
    started = time.process_time()
    try:
        root = etree.fromstring(data, xmlsafe.safe_parser())
        return True, extract(root, first_line - 1), time.process_time() - started
    except Exception as error:
        return False, f"{type(error).__name__}: {error}"[:300], time.process_time() - started


def _context():
    """Workers come from a fork server that imported the readers once (fast to start, and never
    forked from a process whose threads — Polars', a web server's — might hold a lock)."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__, *PRELOAD])
    return context


# --- the wrapper ------------------------------------------------------------------------------------


def _wrapper_start(head: bytes, encoding: str | None, codec: str) -> bytes | None:
    """The XML declaration and wrapper start tag, with the root element's namespace declarations."""
    namespaces = _root_namespaces(head, encoding)
    if namespaces is None:
        return None
    declarations = "".join(
        f' xmlns{":" + prefix if prefix else ""}="{_attribute(uri)}"' for prefix, uri in namespaces.items()
    )
    text = f'<?xml version="1.0" encoding="{codec}"?><{WRAPPER}{declarations}>'
    try:
        return text.encode(codec)
    except (UnicodeEncodeError, LookupError):
        return None


def _root_namespaces(head: bytes, encoding: str | None) -> dict | None:
    kwargs = dict(xmlsafe.SAFE_OPTIONS, events=("start",))
    if encoding:
        kwargs["encoding"] = encoding
    parser = etree.XMLPullParser(**kwargs)
    try:
        parser.feed(head)
        for _event, element in parser.read_events():
            return dict(element.nsmap)
    except etree.XMLSyntaxError:
        return None
    return None


def _attribute(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")


# --- cutting the byte stream -----------------------------------------------------------------------


class Splitter:
    """Cuts a byte stream into ("xml", bytes) and ("chunk", bytes, first line) pieces in document
    order. A chunk is a run of complete `record` elements (encoded local name; the qualified name of
    the run's first record) with only white space between them and no comment, CDATA section or
    processing instruction inside; the rest, and anything unexpected, goes to the skeleton parser
    as "xml". Chunks are cut on bytes only: the worker still checks that one is a run of records."""

    def __init__(self, stream, record: bytes, chunk_bytes: int = CHUNK_BYTES, read_bytes: int = READ_BYTES):
        self.stream = stream
        self.chunk_bytes = chunk_bytes
        self.read_bytes = read_bytes
        self.record = record
        self.name = re.compile(re.escape(record) + rb"[\s>/]")  # the local name; its prefix is checked
        self.runs: dict[bytes, tuple[re.Pattern, re.Pattern]] = {}  # qualified name -> (end, break)
        self.buffer = b""
        self.eof = False
        self.line = 1
        self.in_root = False
        self.passthrough = False  # something we do not cut around: the rest is skeleton
        # the first `<!`/`<?` at or after `seen_from` (-1: none before `seen_to`): each byte is
        # scanned for them once, however often the run and tag searches ask
        self.seen_from, self.seen_to, self.seen_at = 0, 0, -1

    def __iter__(self) -> Iterator[tuple]:
        position = self._read(0)
        while True:
            if self.passthrough or not self.in_root:
                found = _FIRST_TAG.search(self.buffer, position) if not self.passthrough else None
            else:
                found = self._next_start(position, self._safe_end())
            if found is None:
                if self.eof:
                    if position < len(self.buffer):
                        yield self._xml(position, len(self.buffer))
                    return
                cut = max(position, self._safe_end())
                if self.buffer[cut - 1 : cut] == b"<":  # keep a `<!`/`<?` whole for the next look
                    cut -= 1
                if cut > position:
                    yield self._xml(position, cut)
                position = self._read(cut)
                continue
            start = found.start()
            if start > position:
                yield self._xml(position, start)
                position = start
                if self.passthrough:
                    continue
            if self.buffer.startswith((b"<!", b"<?"), start):
                stop = self._special_end(start)
            elif not self.in_root:  # the root's start tag: records are only looked for inside it
                close = self.buffer.find(b">", start)
                if close >= 0:
                    yield self._xml(position, close + 1)
                    self.in_root = True
                    position = close + 1
                    continue
                stop = None
            else:
                stop = self._run_end(start, found.group()[1:-1])
                if stop is not None and stop > start:
                    yield self._chunk(start, stop)
                    position = stop
                    continue
                if stop == start:  # no complete record here: the skeleton parser reads its start
                    stop = start + 1
            if stop is None:
                if self.eof or len(self.buffer) - start > GIVE_UP * self.chunk_bytes:
                    self.passthrough = True
                    continue
                position = self._read(position)
                continue
            yield self._xml(position, stop)
            position = stop

    def _safe_end(self) -> int:
        return len(self.buffer) if self.eof else max(len(self.buffer) - LOOKAHEAD, 0)

    def _special_end(self, start: int) -> int | None:
        """End of the comment, CDATA section or processing instruction at `start`; None when it is
        not in the buffer (yet), or for another declaration (then the rest is skeleton)."""
        for opener, closer in _SPECIAL_ENDS.items():
            if self.buffer.startswith(opener, start):
                stop = self.buffer.find(closer, start + len(opener))
                return None if stop < 0 else stop + len(closer)
        if len(self.buffer) - start >= 9 or self.eof:
            self.passthrough = True
        return None

    def _special(self, start: int, stop: int) -> int:
        """The first `<!` or `<?` in [start, stop), or -1."""
        if start < self.seen_from or (self.seen_at < 0 and start > self.seen_to):
            self.seen_from, self.seen_to, self.seen_at = start, start, -1
        elif self.seen_at >= start:
            return self.seen_at if self.seen_at < stop else -1
        elif self.seen_at >= 0:  # `start` is past the cached one: look again from `start`
            self.seen_from, self.seen_to, self.seen_at = start, start, -1
        if self.seen_to < stop:  # scan only what was not scanned (from one byte back: 2-byte needles)
            end = len(self.buffer)
            found = _SPECIAL.search(self.buffer, max(self.seen_to - 1, self.seen_from), end)
            self.seen_at, self.seen_to = (found.start() if found else -1), end
        return self.seen_at if 0 <= self.seen_at < stop else -1

    def _next_start(self, position: int, stop: int) -> re.Match | None:
        """The next `<!`, `<?` or record start tag (`<R`, `<p:R` + white space, `>` or `/`)."""
        special = self._special(position, stop)
        limit = special if special >= 0 else stop
        while position < limit:
            found = self.name.search(self.buffer, position, limit)
            if found is None:
                break
            begin = self.buffer.rfind(b"<", max(found.start() - 64, position), found.start())
            tag = _TAG_START.fullmatch(self.buffer, begin, found.end()) if begin >= 0 else None
            if tag is not None and tag.group()[1:-1].rsplit(b":", 1)[-1] == self.record:
                return tag
            position = found.end()
        return _SPECIAL.match(self.buffer, special) if special >= 0 else None

    def _patterns(self, qname: bytes) -> tuple[tuple[re.Pattern, ...], tuple[re.Pattern, ...]]:
        """(record ends, record ends not followed by the next record's start tag) of records named
        `qname`: an end tag, or an empty-element record (`<R a="/>"/>`: attributes matched whole).
        Each pattern begins with a literal, which `re` scans for quickly."""
        if qname not in self.runs:
            name = re.escape(qname)
            ends = (rb"</" + name + rb"\s*>", rb"<" + name + _ATTRIBUTES + rb"\s*/>")
            follows = rb"(?!\s*<" + name + rb"[\s>/])"
            self.runs[qname] = (
                tuple(re.compile(end) for end in ends),
                tuple(re.compile(end + follows) for end in ends),
            )
        return self.runs[qname]

    def _first(self, patterns, start: int, stop: int) -> int | None:
        """The end of the first match of any of `patterns` (end tag, empty element) in [start, stop)."""
        found = [m.end() for m in (p.search(self.buffer, start, stop) for p in patterns) if m is not None]
        return min(found) if found else None

    def _run_end(self, start: int, qname: bytes) -> int | None:
        """End of the run of records from `start`: after a record end tag; `start` when there is no
        complete record; None when more bytes are needed."""
        ends, breaks = self._patterns(qname)
        safe = self._safe_end()
        target = start + self.chunk_bytes
        last = None
        if target < safe:
            last = self._first(ends, target, safe)
            if last is None and not self.eof:
                return start if safe - start > GIVE_UP * self.chunk_bytes else None
        elif not self.eof:
            return None
        limit = last if last is not None else safe
        special = self._special(start, limit)
        if special >= 0:
            limit = special
        broken = self._first(breaks, start, limit)
        if broken is not None:
            return broken
        if special < 0 and last is not None:
            return last
        found = [m.end() for pattern in ends for m in pattern.finditer(self.buffer, start, limit)]
        return max(found) if found else start

    def _read(self, keep_from: int) -> int:
        """Drop the buffer before `keep_from`, append the next block; returns the new offset of it."""
        if keep_from:
            self.buffer = self.buffer[keep_from:]
            self.seen_from = max(self.seen_from - keep_from, 0)
            self.seen_to = max(self.seen_to - keep_from, 0)
            self.seen_at = self.seen_at - keep_from if self.seen_at >= keep_from else -1
            if self.seen_at < 0:
                self.seen_from = self.seen_to = 0
        if not self.eof:
            block = self.stream.read(self.read_bytes)
            self.eof = not block
            self.buffer += block
        return 0

    def _xml(self, start: int, stop: int) -> tuple:
        data = self.buffer[start:stop]
        self.line += data.count(b"\n")
        if self.in_root and b"xmlns" in data:
            self.passthrough = True  # namespaces declared below the root: chunks would not know them
        return ("xml", data)

    def _chunk(self, start: int, stop: int) -> tuple:
        data = self.buffer[start:stop]
        first = self.line
        self.line += data.count(b"\n")
        return ("chunk", data, first)


_FIRST_TAG = re.compile(rb"<[^/]")
_ATTRIBUTES = rb"(?:\s+[^\s=<>/]+\s*=\s*(?:\"[^\"]*\"|'[^']*'))*"
_SPECIAL = re.compile(rb"<[!?]")
_TAG_START = re.compile(rb"<(?:[^\s<>/:!?=\"']+:)?[^\s<>/:!?=\"']+[\s>/]")


def local_tags(root: etree._Element, name: str) -> Iterator[etree._Element]:
    """The children of a chunk's wrapper, each checked to be a `name` element (any namespace)."""
    for child in root:
        tag = child.tag
        if not isinstance(tag, str) or tag.rsplit("}", 1)[-1] != name:
            raise NotRecords(f"{tag!r} among the records")
        yield child
