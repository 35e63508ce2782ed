"""Read an uploaded CSV or Excel file into rows, refusing bad input with a clear reason.

The format is told by the bytes, not the file name: a zip is an .xlsx workbook, the OLE2 signature
is an old .xls (refused), anything else is CSV text. CSV text is decoded as UTF-8 first (with or
without BOM), then GB18030 (which includes GBK and GB2312); the delimiter is sniffed among comma,
tab, semicolon and pipe. Workbooks are checked as zip archives before openpyxl opens them, so a zip
bomb (huge declared sizes, absurd compression ratios) is refused without being inflated.

Limits (settings, with defaults):
- CPAHUB_MAX_UPLOAD_BYTES: the file size (50 MB);
- CPAHUB_IMPORT_MAX_ROWS: data rows (50,000);
- CPAHUB_IMPORT_MAX_UNCOMPRESSED_BYTES: total inflated size of a workbook (100 MB);
- CPAHUB_IMPORT_MAX_COMPRESSION_RATIO: inflated ÷ compressed size of a large member (100).
"""

from __future__ import annotations

import csv
import datetime
import io
import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.translation import gettext as _

from cpahub.core import textio
from cpahub.core.textio import DELIMITERS, sniff_delimiter
from cpahub.registry.importing.normalise import as_text, clean_cell

logger = logging.getLogger(__name__)

MAX_COLUMNS = 500
MAX_ZIP_MEMBERS = textio.MAX_ZIP_MEMBERS
# Small members may compress well without being a threat.
RATIO_CHECK_FROM_BYTES = textio.RATIO_CHECK_FROM_BYTES
HEADER_SEARCH_ROWS = 10

Cell = str | datetime.date


class ReadError(Exception):
    """The file cannot be read; `message` says why, for the person who uploaded it."""

    def __init__(self, message: str, code: str = "unreadable", sheet: Sheet | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.sheet = sheet  # what was read, when the problem is an empty sheet


def max_upload_bytes() -> int:
    return settings.CPAHUB_MAX_UPLOAD_BYTES


def max_rows() -> int:
    return settings.CPAHUB_IMPORT_MAX_ROWS


def max_uncompressed_bytes() -> int:
    return settings.CPAHUB_IMPORT_MAX_UNCOMPRESSED_BYTES


def max_compression_ratio() -> int:
    return settings.CPAHUB_IMPORT_MAX_COMPRESSION_RATIO


def megabytes(n: int) -> str:
    return f"{n / (1024 * 1024):.1f}"


@dataclass
class Sheet:
    """Rows as read: (row number in the file, cleaned cells). Empty rows are left out."""

    rows: list[tuple[int, list[Cell]]]
    format: str  # "csv" or "xlsx"
    encoding: str = ""
    delimiter: str = ""
    sheet: str = ""
    sheets: list[str] = field(default_factory=list)

    @property
    def delimiter_name(self) -> str:
        return DELIMITERS.get(self.delimiter, "")


@dataclass
class Row:
    number: int  # as the user sees it: the spreadsheet row, or the CSV record counted from 1
    cells: list[Cell]


@dataclass
class Table:
    headers: list[str]
    rows: list[Row]
    header_row: int
    sheet: Sheet

    @property
    def format(self) -> str:
        return self.sheet.format

    @property
    def encoding(self) -> str:
        return self.sheet.encoding

    @property
    def delimiter_name(self) -> str:
        return self.sheet.delimiter_name

    def column_values(self, index: int, limit: int = 3) -> list[str]:
        values = []
        for row in self.rows:
            text = as_text(row.cells[index])
            if text:
                values.append(text)
                if len(values) >= limit:
                    break
        return values


def read(data: bytes, *, sheet: str | None = None) -> Sheet:
    """Read a CSV or .xlsx file's bytes. Raises ReadError."""
    limit = max_upload_bytes()
    if len(data) > limit:
        raise ReadError(
            _("The file is %(size)s MB; at most %(limit)s MB can be imported.")
            % {"size": megabytes(len(data)), "limit": megabytes(limit)},
            code="too_large",
        )
    if not data:
        raise ReadError(_("The file is empty."), code="empty")
    if data[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        return read_xlsx(data, sheet=sheet)
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise ReadError(
            _(
                "This is an old Excel (.xls) workbook or a password-protected file. "
                "Open it in Excel or WPS and save it as .xlsx or as CSV UTF-8, without a password."
            ),
            code="xls",
        )
    return read_csv(data)


# --- CSV ------------------------------------------------------------------------------------


def decode(data: bytes) -> tuple[str, str]:
    """Return (text, encoding name). Strict UTF-8 first, then GB18030; never guesses silently."""
    try:
        return textio.decode(data)
    except textio.TextDecodeError as error:
        if error.code == "binary":
            raise ReadError(
                _("This is not a text file (it contains NUL bytes). Upload a CSV or an .xlsx file."),
                code="binary",
            ) from None
        raise ReadError(
            _(
                "The file is not readable as %(encodings)s text: the byte 0x%(byte)02X at offset %(offset)d "
                "cannot be decoded. Save the file as CSV UTF-8 and upload it again."
            )
            % {"encodings": error.tried, "byte": error.byte, "offset": error.offset},
            code="encoding",
        ) from None


def read_csv(data: bytes) -> Sheet:
    text, encoding = decode(data)
    if not text.strip():
        raise ReadError(_("The file is empty."), code="empty")
    delimiter = sniff_delimiter(text)
    rows: list[tuple[int, list[Cell]]] = []
    limit = max_rows()
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    number = 0
    try:
        for number, cells in enumerate(reader, start=1):
            _append(rows, number, cells, limit)
    except csv.Error as error:
        raise ReadError(
            _("Record %(row)d of the CSV file cannot be read: %(error)s")
            % {"row": number + 1, "error": error},
            code="csv",
        ) from None
    return Sheet(rows=rows, format="csv", encoding=encoding, delimiter=delimiter)


def _append(rows: list, number: int, values, limit: int) -> None:
    cells = [clean_cell(value) for value in values]
    while cells and cells[-1] == "":
        cells.pop()
    if not cells:
        return
    if len(cells) > MAX_COLUMNS:
        raise ReadError(
            _("Row %(row)d has %(n)d columns; at most %(max)d are supported.")
            % {"row": number, "n": len(cells), "max": MAX_COLUMNS},
            code="columns",
        )
    rows.append((number, cells))
    if len(rows) > limit + HEADER_SEARCH_ROWS:
        raise ReadError(
            _("The file has more than %(max)d rows. Split it into smaller files.") % {"max": limit},
            code="too_many_rows",
        )


# --- Excel ----------------------------------------------------------------------------------


def check_zip(data: bytes) -> None:
    """Refuse a workbook whose zip members would inflate to something dangerous."""
    try:
        archive = textio.open_zip(data)
    except textio.ArchiveRefused:
        raise ReadError(
            _("The Excel file is damaged or incomplete; it is not a valid .xlsx file."), code="damaged"
        ) from None
    with archive:
        try:
            members = textio.inspect_zip(
                archive,
                max_total=max_uncompressed_bytes(),
                max_ratio=max_compression_ratio(),
                max_members=MAX_ZIP_MEMBERS,
                ratio_from=RATIO_CHECK_FROM_BYTES,
            )
        except textio.ArchiveRefused as refused:
            if refused.reason == "members":
                raise ReadError(
                    _("The Excel file has too many parts to be a normal workbook."), code="zip_bomb"
                ) from None
            if refused.reason == "ratio":
                raise ReadError(
                    _(
                        "The Excel file was refused: its part %(name)s would expand %(ratio)d times, "
                        "to %(size)s MB. This is how zip bombs look; real workbooks do not."
                    )
                    % {"name": refused.member[:80], "ratio": refused.ratio, "size": megabytes(refused.size)},
                    code="zip_bomb",
                ) from None
            raise ReadError(
                _(
                    "The Excel file was refused: it would expand to %(size)s MB, more than the %(limit)s MB "
                    "allowed. Split it into smaller files or save it as CSV."
                )
                % {"size": megabytes(refused.size), "limit": megabytes(refused.limit)},
                code="zip_bomb",
            ) from None
        names = {member.filename for member in members}
        if "xl/workbook.xml" not in names:
            raise ReadError(
                _("This zip file is not an Excel workbook. Upload a .xlsx or CSV file."), code="not_xlsx"
            )


def read_xlsx(data: bytes, *, sheet: str | None = None) -> Sheet:
    import openpyxl

    check_zip(data)
    damaged = ReadError(
        _(
            "The Excel file is damaged or incomplete and cannot be read. Open it in Excel or WPS and save it again."
        ),
        code="damaged",
    )
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:
        logger.info("unreadable workbook: %r", error)
        raise damaged from None
    try:
        names = list(workbook.sheetnames)
        if sheet:
            if sheet not in names:
                raise ReadError(
                    _("The workbook has no sheet named %(name)s; its sheets are: %(names)s.")
                    % {"name": sheet, "names": ", ".join(names)},
                    code="sheet",
                )
            worksheet = workbook[sheet]
        else:
            if not workbook.worksheets:
                raise ReadError(_("The workbook has no worksheet."), code="sheet")
            worksheet = workbook.worksheets[0]
        if not hasattr(worksheet, "iter_rows"):
            raise ReadError(_("The sheet %(name)s is a chart, not a table.") % {"name": sheet}, code="sheet")
        worksheet.reset_dimensions()  # some programs write wrong dimensions; read what is there
        rows: list[tuple[int, list[Cell]]] = []
        limit = max_rows()
        for number, values in enumerate(worksheet.iter_rows(min_row=1, values_only=True), start=1):
            _append(rows, number, values, limit)
        title = worksheet.title
    except ReadError:
        raise
    except Exception as error:
        logger.info("unreadable worksheet: %r", error)
        raise damaged from None
    finally:
        workbook.close()
    sheet_data = Sheet(rows=rows, format="xlsx", sheet=title, sheets=names)
    if not rows:
        raise ReadError(_("The sheet %(name)s is empty.") % {"name": title}, code="empty", sheet=sheet_data)
    return sheet_data


# --- Header row -----------------------------------------------------------------------------


def column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def make_table(
    sheet: Sheet, *, score: Callable[[list[str]], int] | None = None, header_row: int | None = None
) -> Table:
    """Pick the header row (given, or the best-scoring of the first rows) and square the rows."""
    if not sheet.rows:
        raise ReadError(_("The file is empty."), code="empty", sheet=sheet)
    if header_row is not None:
        found = [i for i, (number, _cells) in enumerate(sheet.rows) if number == header_row]
        if not found:
            raise ReadError(_("Row %(row)d is empty or missing.") % {"row": header_row}, code="header")
        index = found[0]
    else:
        index = 0
        if score is not None:
            best = 0
            for i, (_number, cells) in enumerate(sheet.rows[:HEADER_SEARCH_ROWS]):
                value = score([as_text(c) for c in cells])
                if value > best:
                    index, best = i, value
    number, header_cells = sheet.rows[index]
    data = sheet.rows[index + 1 :]
    if not data:
        raise ReadError(
            _("The file has a header row but no data rows; there is nothing to import."),
            code="no_rows",
            sheet=sheet,
        )
    if len(data) > max_rows():
        raise ReadError(
            _("The file has more than %(max)d rows. Split it into smaller files.") % {"max": max_rows()},
            code="too_many_rows",
        )
    width = max(len(header_cells), *(len(cells) for _n, cells in data))
    headers: list[str] = []
    seen: Counter = Counter()
    for i in range(width):
        text = as_text(header_cells[i]) if i < len(header_cells) else ""
        text = " ".join(text.split())
        if not text:
            text = _("Column %(letter)s") % {"letter": column_letter(i)}
        seen[text] += 1
        if seen[text] > 1:
            text = f"{text} ({seen[text]})"
        headers.append(text)
    rows = [Row(n, list(cells) + [""] * (width - len(cells))) for n, cells in data]
    return Table(headers=headers, rows=rows, header_row=number, sheet=sheet)
