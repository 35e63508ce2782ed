"""Changing a firm's practice settings, grades and staff profiles (partners and the firm administrator)."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from cpahub.accounts.choices import FIRM_ROLES, OrgKind
from cpahub.core.permissions import CHANGE, can, scope_for
from cpahub.practice.access import EVERYONE, PARTNERS, firms_for, held_orgs, reaches_whole_firm
from cpahub.practice.models import FirmSettings, Grade, StaffProfile

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
PROFILE_FIELDS = ("office", "grade", "employee_no", "capacity", "quality_partner", "joined", "left")


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


# Staff profiles ----------------------------------------------------------------------------------


def offices_of(firm):
    """The firm's head office and its branch offices."""
    from cpahub.accounts.models import Organisation

    return Organisation.objects.filter(Q(pk=firm.pk) | Q(parent_id=firm.pk), kind=OrgKind.FIRM)


def offices_reached(actor, firm, roles=EVERYONE) -> frozenset[int]:
    """Offices of `firm` whose people `actor` reaches with one of `roles`.

    The same rule as `access.firm_q` for staff profiles: the head office's people reach every office,
    a branch's people their branch, or every office when the firm lets branches see the whole firm.
    """
    scope = scope_for(actor)
    held = held_orgs(scope, roles)
    if not held:
        return frozenset()
    offices = frozenset(offices_of(firm).values_list("pk", flat=True))
    return offices if reaches_whole_firm(scope, firm.pk, roles) else held & offices


def works_in(user, firm) -> bool:
    """The user has (or had) a firm role at the firm's head office or one of its branches."""
    return user.memberships.filter(
        Q(organisation_id=firm.pk) | Q(organisation__parent_id=firm.pk), role__in=FIRM_ROLES
    ).exists()


def has_quality_partner(firm) -> bool:
    """Someone can approve the firm's high-risk acceptances (the rule of `is_quality_partner`)."""
    return StaffProfile.objects.filter(firm=firm, quality_partner=True, left__isnull=True).exists()


def pending_high_risk(firm) -> int:
    """High-risk acceptance evaluations of the firm waiting for approval."""
    from cpahub.engagements.choices import AcceptanceStatus, RiskLevel
    from cpahub.engagements.models import Acceptance

    return Acceptance.objects.filter(
        engagement__firm=firm, status=AcceptanceStatus.SUBMITTED, risk_level=RiskLevel.HIGH
    ).count()


def _check_profile(profile: StaffProfile, firm, kept_grade_id: int | None) -> None:
    """What the model cannot say by itself: the profile's office, grade and dates fit the firm."""
    errors = {}
    if profile.office_id and not offices_of(firm).filter(pk=profile.office_id).exists():
        errors["office"] = _("Choose the firm's head office or one of its branches.")
    if profile.grade_id:
        grade = Grade.objects.filter(pk=profile.grade_id, firm=firm).first()
        if grade is None:
            errors["grade"] = _("Choose one of the firm's grades.")
        elif not grade.active and grade.pk != kept_grade_id:  # an old grade may stay, not be chosen
            errors["grade"] = _("This grade is no longer in use; choose an active one.")
    if profile.capacity is not None and not Decimal("0") <= profile.capacity <= Decimal("1"):
        errors["capacity"] = _("Capacity is a share of full time, from 0 to 1 (0.5 = half time).")
    if profile.joined and profile.left and profile.left < profile.joined:
        errors["left"] = _("The leaving date cannot be before the joining date.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def save_profile(actor, firm, user, **data) -> StaffProfile:
    """Create or change `user`'s staff profile in `firm` (its partners and administrator only).

    A partner of a branch changes the profiles of their branch only (unless the firm lets branches see
    the whole firm). Every change lands in the change log by itself (ChangeLoggedModel).
    """
    unknown = set(data) - set(PROFILE_FIELDS)
    if unknown:
        raise ValueError(f"unknown profile fields: {sorted(unknown)}")
    _require(may_manage(actor, firm))
    profile = StaffProfile.objects.select_for_update().filter(firm=firm, user=user).first()
    if profile is None:
        _require(works_in(user, firm))
        profile = StaffProfile(firm=firm, user=user)
    reach = offices_reached(actor, firm, PARTNERS)
    _require(profile.office_id is None or profile.office_id in reach)
    kept_grade_id = profile.grade_id
    for key, value in data.items():
        setattr(profile, key, value)
    _check_profile(profile, firm, kept_grade_id)
    _require(profile.office_id is None or profile.office_id in reach)
    profile.full_clean()
    profile.save()
    return profile
