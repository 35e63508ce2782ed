"""Changing a firm's practice settings and its grades (partners and the firm administrator)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from cpahub.core.permissions import CHANGE, can, scope_for
from cpahub.practice.access import PARTNERS, firms_for
from cpahub.practice.models import FirmSettings, Grade

SETTINGS_FIELDS = (
    "branches_see_firm",
    "report_prefix",
    "report_number_pattern",
    "archive_days",
    "hours_per_day",
    "letterhead_name",
    "letterhead_address",
    "letterhead_phone",
    "bank_name",
    "bank_account",
)
GRADE_FIELDS = ("code", "name", "rank", "charge_rate", "cost_rate", "active")


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied(_("You may not do this."))


def may_manage(actor, firm) -> bool:
    return firms_for(scope_for(actor), PARTNERS).filter(pk=firm.pk).exists()


@transaction.atomic
def update_settings(actor, settings: FirmSettings, **data) -> FirmSettings:
    from cpahub.engagements.services.numbering import validate_pattern

    _require(can(actor, CHANGE, settings))
    unknown = set(data) - set(SETTINGS_FIELDS)
    if unknown:
        raise ValueError(f"unknown settings: {sorted(unknown)}")
    if "report_number_pattern" in data:
        try:
            validate_pattern(data["report_number_pattern"])
        except ValidationError as error:
            raise ValidationError({"report_number_pattern": error.messages}) from None
    for key, value in data.items():
        setattr(settings, key, value)
    settings.full_clean()
    settings.save()
    return settings


@transaction.atomic
def save_grade(actor, firm, grade: Grade | None = None, **data) -> Grade:
    grade = grade or Grade(firm=firm)
    _require(may_manage(actor, firm) and grade.firm_id == firm.pk)
    unknown = set(data) - set(GRADE_FIELDS)
    if unknown:
        raise ValueError(f"unknown grade fields: {sorted(unknown)}")
    for key, value in data.items():
        setattr(grade, key, value)
    grade.full_clean()
    grade.save()
    return grade
