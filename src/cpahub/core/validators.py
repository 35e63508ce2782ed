"""Validators for Chinese identifiers, each refusing with the reason."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from stdnum.cn import ric, uscc
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength


def clean_credit_code(value: str) -> str:
    """Return the compact form of a unified social credit code or raise ValidationError saying why."""
    compact = uscc.compact(value or "")
    try:
        return uscc.validate(compact)
    except InvalidLength:
        raise ValidationError(
            _("A unified social credit code has 18 characters; this one has %(n)d.") % {"n": len(compact)},
            code="length",
        ) from None
    except InvalidFormat:
        raise ValidationError(
            _("A unified social credit code uses only digits and the letters A-H J-N P-R T U W-Y."),
            code="format",
        ) from None
    except InvalidChecksum:
        raise ValidationError(
            _("The check character of this unified social credit code is wrong."), code="checksum"
        ) from None
    except InvalidComponent:
        raise ValidationError(
            _("The organisation code inside this credit code is invalid."), code="component"
        ) from None


def validate_credit_code(value: str) -> None:
    clean_credit_code(value)


def clean_resident_id(value: str) -> str:
    """Return the compact 18-character resident ID number or raise ValidationError saying why."""
    compact = ric.compact(value or "")
    try:
        return ric.validate(compact)
    except InvalidLength:
        raise ValidationError(_("A resident ID number has 18 characters."), code="length") from None
    except InvalidFormat:
        raise ValidationError(
            _("A resident ID number has 17 digits and a check digit or X."), code="format"
        ) from None
    except InvalidChecksum:
        raise ValidationError(
            _("The check digit of this resident ID number is wrong."), code="checksum"
        ) from None
    except InvalidComponent:
        raise ValidationError(
            _("The birth date or region in this resident ID number is invalid."), code="component"
        ) from None


def validate_resident_id(value: str) -> None:
    clean_resident_id(value)


def mask_resident_id(value: str) -> str:
    """Show the region's first two digits and the last two characters only."""
    if not value:
        return ""
    return value[:2] + "*" * (len(value) - 4) + value[-2:]
