"""Cell normalisers: turn what people type into spreadsheets into clean Python values.

Each parser raises `ValueError` whose message is the reason shown in the error report, so it is
translated (English msgids). Text is changed as little as possible: names keep their full-width
brackets, only codes, numbers, dates and choices are folded to half-width (NFKC).
"""

from __future__ import annotations

import datetime
import re
import unicodedata

from django.utils.translation import gettext as _

EXCEL_EPOCH = datetime.date(1899, 12, 30)  # Excel's day 0 (with the 1900 leap-year bug absorbed)
MIN_DATE = datetime.date(1900, 1, 1)

_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"), None)
_EDGE_SPACE = " \t\r\n\u3000\xa0"
# core.exports prefixes these with a quote so that spreadsheets do not run them as formulas.
_NEUTRALISED = ("'=", "'+", "'-", "'@", "'\t", "'\r")

_DATE_ISO = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_DATE_CN = re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$")
_DATE_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_DATE_SERIAL = re.compile(r"^(\d{5})(?:\.0+)?$")
_INT = re.compile(r"^[+-]?\d+(?:\.0+)?$")

TRUE_WORDS = frozenset({"是", "有", "y", "yes", "true", "1", "√", "✓", "✔", "t"})
FALSE_WORDS = frozenset({"否", "无", "n", "no", "false", "0", "×", "✗", "f"})


def fold(value: str) -> str:
    """NFKC: full-width digits, letters, spaces and punctuation become their half-width forms."""
    return unicodedata.normalize("NFKC", value)


def clean_cell(value) -> str | datetime.date:
    """What a reader hands on: text stripped of edge spaces and invisible characters, or a date."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e16:
            return str(int(value))
        return repr(value)
    text = str(value).translate(_ZERO_WIDTH).strip(_EDGE_SPACE)
    if text.startswith(_NEUTRALISED):
        text = text[1:]
    return text


def as_text(value) -> str:
    """A cell as text for display and for text fields (dates as yyyy-mm-dd)."""
    if isinstance(value, datetime.date):
        return value.isoformat()
    return "" if value is None else str(value)


def clean_code(value) -> str:
    """Codes and numbers: half-width, no spaces at all (case is kept; validators upper-case where it matters)."""
    return re.sub(r"\s+", "", fold(as_text(value)))


def key(value) -> str:
    """A comparison key for headers and choice labels: folded, case-free, without spaces and marks."""
    text = fold(as_text(value)).casefold()
    return re.sub(r"[\s_\-*:：()\[\]{}<>《》【】/\\.、·,，;；'\"“”‘’]+", "", text)


def parse_date(value) -> datetime.date:
    """A date from an Excel date, an Excel day number, or yyyy-mm-dd, yyyy/mm/dd, yyyy年m月d日, yyyymmdd."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = re.sub(r"\s+", " ", fold(as_text(value))).strip()
    for pattern in (_DATE_ISO, _DATE_CN, _DATE_COMPACT):
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
    match = _DATE_SERIAL.match(text)
    if match:
        # A date cell formatted as a number in Excel (e.g. 45292 = 2024-01-01).
        return EXCEL_EPOCH + datetime.timedelta(days=int(match.group(1)))
    raise ValueError(
        _("Not a date: write it as %(formats)s.")
        % {"formats": "yyyy-mm-dd, yyyy/mm/dd, yyyy年m月d日, yyyymmdd"}
    )


def parse_int(value) -> int:
    """A whole number; full-width digits, thousands separators and a trailing .0 are accepted."""
    text = re.sub(r"[\s,，]", "", fold(as_text(value)))
    if not _INT.match(text):
        raise ValueError(_("Not a whole number."))
    return int(text.split(".", 1)[0])


def parse_bool(value) -> bool:
    word = key(value)
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValueError(_("Write %(yes)s or %(no)s (yes or no).") % {"yes": "是", "no": "否"})


def format_bool(value: bool) -> str:
    return "是" if value else "否"


def format_date(value: datetime.date | None) -> str:
    return value.isoformat() if value else ""
