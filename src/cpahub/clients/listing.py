"""Stock codes per exchange: what a listed client's code must look like.

The mainland exchanges use six digits whose first digits tell the board (上交所 60/688/689/900,
深交所 000–004/300/301/200, 北交所 43/83/87/88/92, 新三板 4xxxxx/8xxxxx); Hong Kong uses up to five
digits, written zero-padded to five. A suffix people copy from market data (600519.SH, 0700.HK) is
accepted when it names the same exchange.
"""

from __future__ import annotations

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from cpahub.clients.choices import Exchange

PATTERNS = {
    Exchange.SSE: re.compile(r"^(60\d{4}|68[89]\d{3}|900\d{3})$"),
    Exchange.SZSE: re.compile(r"^(00[0-4]\d{3}|30[01]\d{3}|200\d{3})$"),
    Exchange.BSE: re.compile(r"^(43|83|87|88|92)\d{4}$"),
    Exchange.NEEQ: re.compile(r"^[48]\d{5}$"),
    Exchange.HKEX: re.compile(r"^\d{5}$"),
    Exchange.OTHER: re.compile(r"^[A-Z0-9][A-Z0-9.\-]{0,9}$"),
}
EXAMPLES = {
    Exchange.SSE: "600519, 688981",
    Exchange.SZSE: "000001, 300750",
    Exchange.BSE: "430047, 832566, 920002",
    Exchange.NEEQ: "430002, 830799",
    Exchange.HKEX: "00700",
    Exchange.OTHER: "BABA",
}
SUFFIXES = {
    Exchange.SSE: ("SH", "SS"),
    Exchange.SZSE: ("SZ",),
    Exchange.BSE: ("BJ",),
    Exchange.NEEQ: ("NQ", "OC"),
    Exchange.HKEX: ("HK",),
}


def clean_stock_code(exchange: str, value: str) -> str:
    """The stock code as stored for `exchange`, or ValidationError saying what is wrong."""
    text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", value or "")).upper()
    if exchange != Exchange.OTHER and "." in text:
        code, _dot, suffix = text.rpartition(".")
        if suffix not in SUFFIXES.get(exchange, ()):
            raise ValidationError(
                _("The suffix .%(suffix)s does not belong to the %(exchange)s.")
                % {"suffix": suffix, "exchange": Exchange(exchange).label},
                code="suffix",
            )
        text = code
    if exchange == Exchange.HKEX and text.isdigit() and len(text) < 5:
        text = text.zfill(5)
    pattern = PATTERNS.get(exchange)
    if pattern is None or not pattern.match(text):
        raise ValidationError(
            _("%(code)s is not a stock code of the %(exchange)s (for example %(examples)s).")
            % {"code": value, "exchange": Exchange(exchange).label, "examples": EXAMPLES[exchange]},
            code="stock_code",
        )
    return text
