"""The electronic invoice number (电子发票号码) of a fully digitalised invoice (全电发票 / 数电票)."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

E_INVOICE_LENGTH = 20


def clean_e_invoice_number(value: str, issue_date=None) -> str:
    """Digits only, 20 of them; the first two are the year of issue (yy) when the date is known.

    The number's layout: yy, the provincial tax bureau's area code (2), the issuing channel (1), and a
    15-digit sequence.
    """
    compact = "".join((value or "").split())
    if not compact.isdigit() or not compact.isascii():
        raise ValidationError(_("An electronic invoice number has digits only."), code="format")
    if len(compact) != E_INVOICE_LENGTH:
        raise ValidationError(
            _("An electronic invoice number has %(want)d digits; this one has %(n)d.")
            % {"want": E_INVOICE_LENGTH, "n": len(compact)},
            code="length",
        )
    if issue_date is not None and compact[:2] != f"{issue_date.year % 100:02d}":
        raise ValidationError(
            _("The electronic invoice number starts with the year of issue (%(yy)02d), not %(got)s.")
            % {"yy": issue_date.year % 100, "got": compact[:2]},
            code="year",
        )
    return compact


def validate_e_invoice_number(value: str) -> None:
    clean_e_invoice_number(value)
