"""CSV and Excel downloads of any table. Every export is written to the security log."""

from __future__ import annotations

import csv
import io

from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class _Echo:
    def write(self, value):
        return value


def csv_response(filename: str, headers: list[str], rows) -> StreamingHttpResponse:
    """Stream rows as UTF-8 CSV with a BOM, so that Excel opens Chinese text correctly."""
    writer = csv.writer(_Echo())

    def generate():
        yield "\ufeff" + writer.writerow(headers)
        for row in rows:
            yield writer.writerow([_safe(cell) for cell in row])

    response = StreamingHttpResponse(generate(), content_type=CSV_CONTENT_TYPE)
    response["Content-Disposition"] = _disposition(filename, "csv")
    return response


def xlsx_bytes(sheet: str, headers: list[str], rows) -> bytes:
    import xlsxwriter

    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False})
    worksheet = workbook.add_worksheet(sheet[:31])
    bold = workbook.add_format({"bold": True})
    worksheet.write_row(0, 0, headers, bold)
    for index, row in enumerate(rows, start=1):
        worksheet.write_row(index, 0, [_safe(cell) for cell in row])
    worksheet.freeze_panes(1, 0)
    workbook.close()
    return buffer.getvalue()


def xlsx_response(filename: str, sheet: str, headers: list[str], rows) -> HttpResponse:
    response = HttpResponse(xlsx_bytes(sheet, headers, rows), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = _disposition(filename, "xlsx")
    return response


def _safe(cell):
    """Neutralise spreadsheet formula injection (=, +, -, @ at the start of text)."""
    if isinstance(cell, str) and cell[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + cell
    return cell


def _disposition(filename: str, extension: str) -> str:
    from urllib.parse import quote

    stamped = f"{filename}-{timezone.localtime():%Y%m%d-%H%M}.{extension}"
    return f"attachment; filename=\"{quote(stamped)}\"; filename*=UTF-8''{quote(stamped)}"
