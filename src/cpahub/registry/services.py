"""Write operations of the industry registry. Views, API, importers and commands call these."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cpahub.accounts.choices import OrgKind, OrgStatus
from cpahub.accounts.models import Organisation
from cpahub.core.permissions import CHANGE, can, can_add, scope_for
from cpahub.core.validators import clean_credit_code, clean_resident_id
from cpahub.registry.choices import ApplicationStatus, CPAEventKind, CPAStatus, SubjectKind
from cpahub.registry.models import CPA, CPAEvent, Firm, FirmApplication, Penalty

ORG_FIELDS = ("name", "short_name", "credit_code", "city", "address", "phone", "status")
FIRM_FIELDS = (
    "firm_no",
    "licence_no",
    "legal_form",
    "founded",
    "securities_qualified",
    "chief_partner",
    "website",
    "email",
)
CPA_FIELDS = (
    "name",
    "gender",
    "birth_date",
    "id_number",
    "qualified_on",
    "is_partner",
    "phone",
    "email",
)


def _clean(field: str, cleaner, value: str) -> str:
    """Run a validator and attach its error to `field`, so forms and the API show it in place."""
    try:
        return cleaner(value)
    except ValidationError as error:
        raise ValidationError({field: error.messages}) from None


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied(_("You may not do this."))


def _full_clean(obj, exclude=None) -> None:
    obj.full_clean(exclude=exclude, validate_unique=True)


@transaction.atomic
def register_firm(actor, *, parent: Firm | None = None, **data) -> Firm:
    """Create a firm (or a branch of `parent`) with its organisation record."""
    _require(actor is None or can_add(actor, Firm) or (parent is not None and can(actor, CHANGE, parent)))
    org_data = {k: data.pop(k) for k in ORG_FIELDS if k in data}
    if org_data.get("credit_code"):
        org_data["credit_code"] = _clean("credit_code", clean_credit_code, org_data["credit_code"])
    organisation = Organisation(kind=OrgKind.FIRM, parent=parent.organisation if parent else None, **org_data)
    _full_clean(organisation)
    organisation.save()
    unknown = set(data) - set(FIRM_FIELDS)
    if unknown:
        raise ValueError(f"unknown firm fields: {sorted(unknown)}")
    firm = Firm(organisation=organisation, **data)
    _full_clean(firm, exclude=["organisation"])
    firm.save()
    return firm


@transaction.atomic
def update_firm(actor, firm: Firm, **data) -> Firm:
    _require(actor is None or can(actor, CHANGE, firm))
    organisation = firm.organisation
    previous_status = Organisation.objects.values_list("status", flat=True).get(pk=organisation.pk)
    for key in ORG_FIELDS:
        if key in data:
            value = data.pop(key)
            if key == "credit_code" and value:
                value = _clean("credit_code", clean_credit_code, value)
            setattr(organisation, key, value)
    for key in FIRM_FIELDS:
        if key in data:
            setattr(firm, key, data.pop(key))
    if data:
        raise ValueError(f"unknown firm fields: {sorted(data)}")
    _full_clean(organisation)
    _full_clean(firm, exclude=["organisation"])
    organisation.save()
    firm.save()
    if organisation.status != previous_status:
        _log_status_change(actor, organisation, previous_status)
    return firm


def _log_status_change(actor, organisation, previous: str) -> None:
    """A firm suspended, closed or reopened changes what its people may reach: security-relevant."""
    from cpahub.accounts.choices import SecurityEventType
    from cpahub.accounts.models import Membership
    from cpahub.accounts.security import log_event

    log_event(
        SecurityEventType.ORG_STATUS_CHANGED,
        user=actor,
        organisation_id=organisation.pk,
        organisation=organisation.name,
        previous=previous,
        status=organisation.status,
        members=Membership.objects.filter(organisation=organisation, active=True).count(),
    )


@transaction.atomic
def register_cpa(
    actor,
    *,
    certificate_no: str,
    firm: Firm | None,
    status: str = CPAStatus.PRACTISING,
    date: datetime.date | None = None,
    **data,
) -> CPA:
    _require(actor is None or can_add(actor, CPA, firm=firm))
    if data.get("id_number"):
        data["id_number"] = _clean("id_number", clean_resident_id, data["id_number"])
    _check_status_and_firm(status, firm)
    cpa = CPA(certificate_no=certificate_no, firm=firm, status=status, **data)
    _full_clean(cpa, exclude=["id_number_index", "user"])
    _check_id_unique(cpa)
    cpa.save()
    CPAEvent.objects.create(
        cpa=cpa,
        date=date or timezone.localdate(),
        kind=CPAEventKind.REGISTERED,
        to_firm=firm,
        to_status=status,
    )
    return cpa


@transaction.atomic
def update_cpa(actor, cpa: CPA, **data) -> CPA:
    """Change a CPA's personal details. Firm and status change through move/change_status only."""
    _require(actor is None or can(actor, CHANGE, cpa))
    unknown = set(data) - set(CPA_FIELDS)
    if unknown:
        raise ValueError(f"unknown CPA fields: {sorted(unknown)}")
    if data.get("id_number"):
        data["id_number"] = _clean("id_number", clean_resident_id, data["id_number"])
    for key, value in data.items():
        setattr(cpa, key, value)
    _full_clean(cpa, exclude=["id_number_index", "user"])
    _check_id_unique(cpa)
    cpa.save()
    return cpa


@transaction.atomic
def move_cpa(actor, cpa: CPA, to_firm: Firm | None, date: datetime.date, note: str = "") -> CPAEvent:
    """Record a CPA joining, moving between or leaving firms on `date`."""
    cpa = CPA.objects.select_for_update().get(pk=cpa.pk)
    _require(
        actor is None or can(actor, CHANGE, cpa) or (to_firm is not None and can(actor, CHANGE, to_firm))
    )
    if to_firm is not None and to_firm.organisation.status != OrgStatus.ACTIVE:
        raise ValidationError(_("A CPA can only join an active firm."))
    if to_firm == cpa.firm:
        raise ValidationError(_("The CPA is already at this firm."))
    if to_firm is not None and cpa.status == CPAStatus.CANCELLED:
        raise ValidationError(_("A cancelled CPA cannot join a firm."))
    _check_event_date(cpa, date)
    if cpa.firm is None:
        kind = CPAEventKind.JOINED
    elif to_firm is None:
        kind = CPAEventKind.LEFT
    else:
        kind = CPAEventKind.MOVED
    event = CPAEvent.objects.create(
        cpa=cpa, date=date, kind=kind, from_firm=cpa.firm, to_firm=to_firm, note=note
    )
    cpa.firm = to_firm
    if to_firm is None:
        cpa.is_partner = False
    cpa.save()
    return event


@transaction.atomic
def change_cpa_status(actor, cpa: CPA, status: str, date: datetime.date, note: str = "") -> CPAEvent:
    cpa = CPA.objects.select_for_update().get(pk=cpa.pk)
    _require(
        actor is None
        or scope_for(actor).has_role("association_staff")
        or bool(scope_for(actor).city_codes and can(actor, CHANGE, cpa))
    )
    if status == cpa.status:
        raise ValidationError(_("The CPA already has this status."))
    _check_event_date(cpa, date)
    event = CPAEvent.objects.create(
        cpa=cpa, date=date, kind=CPAEventKind.STATUS, from_status=cpa.status, to_status=status, note=note
    )
    cpa.status = status
    if status == CPAStatus.CANCELLED and cpa.firm is not None:
        CPAEvent.objects.create(cpa=cpa, date=date, kind=CPAEventKind.LEFT, from_firm=cpa.firm, note=note)
        cpa.firm = None
        cpa.is_partner = False
    cpa.save()
    return event


def _check_status_and_firm(status: str, firm: Firm | None) -> None:
    if status == CPAStatus.CANCELLED and firm is not None:
        raise ValidationError(_("A cancelled CPA cannot belong to a firm."))


def _check_event_date(cpa: CPA, date: datetime.date) -> None:
    last = cpa.events.order_by("-date").values_list("date", flat=True).first()
    if last is not None and date < last:
        raise ValidationError(
            _("The date %(date)s is before the CPA's last recorded event (%(last)s).")
            % {"date": date.isoformat(), "last": last.isoformat()}
        )
    if date > timezone.localdate():
        raise ValidationError(_("The date cannot be in the future."))


def _check_id_unique(cpa: CPA) -> None:
    from cpahub.core.crypto import blind_index

    if not cpa.id_number:
        return
    clash = CPA.objects.filter(id_number_index=blind_index(cpa.id_number)).exclude(pk=cpa.pk)
    if clash.exists():
        raise ValidationError({"id_number": _("Another CPA already has this resident ID number.")})


@transaction.atomic
def record_penalty(actor, **data) -> Penalty:
    _require(actor is None or can_add(actor, Penalty))
    penalty = Penalty(**data)
    if penalty.subject_kind == SubjectKind.CPA and penalty.cpa_id and not penalty.firm_id:
        penalty.firm = None
    _full_clean(penalty)
    penalty.save()
    return penalty


@transaction.atomic
def apply_for_membership(**data) -> FirmApplication:
    """A firm applies to join the platform (no login needed)."""
    data["credit_code"] = _clean("credit_code", clean_credit_code, data.get("credit_code", ""))
    if Organisation.objects.filter(credit_code=data["credit_code"]).exists():
        raise ValidationError({"credit_code": _("A firm with this credit code is already registered.")})
    if FirmApplication.objects.filter(
        credit_code=data["credit_code"], status=ApplicationStatus.PENDING
    ).exists():
        raise ValidationError({"credit_code": _("An application for this credit code is already pending.")})
    if Firm.objects.filter(licence_no=data.get("licence_no", "")).exists():
        raise ValidationError({"licence_no": _("A firm with this licence number is already registered.")})
    application = FirmApplication(**data)
    _full_clean(application)
    application.save()
    return application


@transaction.atomic
def approve_application(actor, application: FirmApplication):
    """Create the firm and an invitation for its administrator. Returns (firm, invitation token)."""
    from cpahub.accounts import services as account_services
    from cpahub.accounts.choices import Role

    application = FirmApplication.objects.select_for_update().get(pk=application.pk)
    _require(FirmApplication.objects.restrict(actor, CHANGE).filter(pk=application.pk).exists())
    if application.status != ApplicationStatus.PENDING:
        raise ValidationError(_("This application has already been decided."))
    firm = register_firm(
        None,
        parent=application.parent,
        name=application.name,
        credit_code=application.credit_code,
        city=application.city,
        address=application.address,
        licence_no=application.licence_no,
        legal_form=application.legal_form,
        founded=application.founded,
    )
    application.status = ApplicationStatus.APPROVED
    application.decided_by = actor
    application.decided_at = timezone.now()
    application.firm = firm
    application.save()
    token = account_services.create_invitation(
        actor,
        firm.organisation,
        [Role.FIRM_ADMIN],
        email=application.contact_email,
        name=application.contact_name,
    )
    return firm, token


@transaction.atomic
def reject_application(actor, application: FirmApplication, reason: str) -> FirmApplication:
    application = FirmApplication.objects.select_for_update().get(pk=application.pk)
    _require(FirmApplication.objects.restrict(actor, CHANGE).filter(pk=application.pk).exists())
    if application.status != ApplicationStatus.PENDING:
        raise ValidationError(_("This application has already been decided."))
    if not reason.strip():
        raise ValidationError({"decision_note": _("Give a reason for the rejection.")})
    application.status = ApplicationStatus.REJECTED
    application.decided_by = actor
    application.decided_at = timezone.now()
    application.decision_note = reason.strip()
    application.save()
    return application


@transaction.atomic
def update_penalty(actor, penalty: Penalty, **data) -> Penalty:
    _require(actor is None or can(actor, CHANGE, penalty))
    for key, value in data.items():
        setattr(penalty, key, value)
    _full_clean(penalty)
    penalty.save()
    return penalty


@transaction.atomic
def save_case(actor, case, **data):
    from cpahub.registry.models import IndustryCase

    _require(actor is None or (can(actor, CHANGE, case) if case.pk else can_add(actor, IndustryCase)))
    for key, value in data.items():
        setattr(case, key, value)
    if case.published and case.published_on is None:
        case.published_on = timezone.localdate()
    _full_clean(case)
    case.save()
    return case
