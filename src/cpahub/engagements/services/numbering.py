"""Report numbers (文号): one gap-free series per firm, year and word, e.g. 赣华信审字〔2025〕第0001号.

A number is taken inside the transaction that issues the report: the series' counter row is locked
(`select_for_update`), so concurrent issues queue on it, and a rolled-back issue gives its number
back with it. The counter row is created with INSERT ... ON CONFLICT DO NOTHING, so two first issues
of a year cannot both create it. On SQLite the IMMEDIATE transactions already run one at a time.
A voided number stays recorded (void) and the counter never goes back, so it is never reused.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cpahub.engagements.choices import REPORT_WORDS
from cpahub.engagements.models import ReportNumber, ReportSeries

REQUIRED_PLACEHOLDERS = ("{word}", "{year}", "{seq")


def format_number(pattern: str, *, prefix: str, word: str, year: int, seq: int) -> str:
    return pattern.format(prefix=prefix, word=word, year=year, seq=seq)


def validate_pattern(pattern: str) -> str:
    """The pattern must make a distinct number for every series and sequence."""
    missing = [p.strip("{") for p in REQUIRED_PLACEHOLDERS if p not in pattern]
    if missing:
        raise ValidationError(
            _("The pattern must contain the placeholders {word}, {year} and {seq}; missing: %(missing)s.")
            % {"missing": ", ".join(missing)}
        )
    try:
        first = format_number(pattern, prefix="X", word="审", year=2025, seq=1)
        second = format_number(pattern, prefix="X", word="审", year=2025, seq=2)
    except (KeyError, IndexError, ValueError) as error:
        raise ValidationError(_("The pattern cannot be used: %(error)s") % {"error": error}) from None
    if first == second or len(first) > 60:
        raise ValidationError(_("The pattern cannot be used: numbers would not differ or would be too long."))
    return pattern


def word_for(engagement) -> str:
    return REPORT_WORDS[engagement.type]


def _locked_series(firm_id: int, year: int, word: str) -> ReportSeries:
    ReportSeries.objects.bulk_create(
        [ReportSeries(firm_id=firm_id, year=year, word=word)], ignore_conflicts=True
    )
    return ReportSeries.objects.select_for_update().get(firm_id=firm_id, year=year, word=word)


def allocate(engagement, *, actor, report_date: datetime.date) -> ReportNumber:
    """Take the next number of the engagement's series. Call inside the issuing transaction."""
    from cpahub.practice.models import FirmSettings

    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("allocate() must run inside the transaction that issues the report")
    settings = FirmSettings.for_firm(engagement.firm)
    word = word_for(engagement)
    series = _locked_series(engagement.firm_id, report_date.year, word)
    series.last_seq += 1
    series.save(update_fields=["last_seq"])
    number = format_number(
        settings.report_number_pattern,
        prefix=settings.report_prefix,
        word=word,
        year=report_date.year,
        seq=series.last_seq,
    )
    return ReportNumber.objects.create(
        firm_id=engagement.firm_id,
        year=report_date.year,
        word=word,
        seq=series.last_seq,
        number=number,
        engagement=engagement,
        report_date=report_date,
        issued_by=actor,
    )


def void(number: ReportNumber, *, actor, reason: str) -> ReportNumber:
    number.void = True
    number.voided_by = actor
    number.voided_at = timezone.now()
    number.void_reason = reason
    number.save()
    return number
