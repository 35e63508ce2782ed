"""Cell normalisers: turn what people type into spreadsheets into clean Python values.

Each parser raises `ValueError` whose message is the reason shown in the error report, so it is
translated (English msgids). Text is changed as little as possible: names keep their full-width
brackets, only codes, numbers, dates and choices are folded to half-width (NFKC).
"""

from __future__ import annotations

import datetime
import re

from django.utils.translation import gettext as _

# Folding, header keys and date variants are shared with the ledger formats (cpahub.core.textio).
from cpahub.core.textio import EXCEL_EPOCH, MIN_DATE, as_text, fold, key, parse_date

__all__ = [
    "EXCEL_EPOCH",
    "MIN_DATE",
    "as_text",
    "clean_cell",
    "clean_code",
    "fold",
    "format_bool",
    "format_date",
    "key",
    "parse_bool",
    "parse_date",
    "parse_int",
]

_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"), None)
_EDGE_SPACE = " \t\r\n\u3000\xa0"
# core.exports prefixes these with a quote so that spreadsheets do not run them as formulas.
_NEUTRALISED = ("'=", "'+", "'-", "'@", "'\t", "'\r")

_INT = re.compile(r"^[+-]?\d+(?:\.0+)?$")

TRUE_WORDS = frozenset({"是", "有", "y", "yes", "true", "1", "√", "✓", "✔", "t"})
FALSE_WORDS = frozenset({"否", "无", "n", "no", "false", "0", "×", "✗", "f"})


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


def clean_code(value) -> str:
    """Codes and numbers: half-width, no spaces at all (case is kept; validators upper-case where it matters)."""
    return re.sub(r"\s+", "", fold(as_text(value)))


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
