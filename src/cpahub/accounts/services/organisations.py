"""Organisations: association staff create city associations, regulators, banks (confirming
parties) and audited entities; firms come through the registry, the provincial association through
`cpahub bootstrap`. Association staff edit every kind except firms (the registry edits those), city
staff the audited entities of their city (`update_organisation`); suspending or closing one ends its
members' access at once, as a user's scope counts only active organisations."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from cpahub.accounts.choices import CREATABLE_KINDS, OrgKind, OrgStatus, Outcome, Role, SecurityEventType
from cpahub.accounts.models import Membership, Organisation, User
from cpahub.accounts.security import log_event
from cpahub.accounts.services.base import reason
from cpahub.core.context import acting_as
from cpahub.core.permissions import CHANGE, scope_for
from cpahub.core.validators import clean_credit_code

ORGANISATION_FIELDS = ("kind", "name", "short_name", "credit_code", "city", "address", "phone")


def may_create_organisation(actor: User | None, kind: str | None = None) -> bool:
    """Association staff create organisations of `CREATABLE_KINDS`; `actor` None is the system."""
    if actor is None:
        return True
    if not actor.is_active or not scope_for(actor).has_role(Role.ASSOCIATION_STAFF):
        return False
    return kind is None or kind in CREATABLE_KINDS


def create_organisation(actor: User | None, **fields) -> Organisation:
    """Create an organisation (active). Kind rules: there is one provincial association, and one
    city association per city (which must name its city); firms are refused (use the registry).
    The credit code, when given, is validated and stored in its compact form. The change log
    records the creation with `actor` (None: the system)."""
    unknown = set(fields) - set(ORGANISATION_FIELDS)
    if unknown:
        raise ValueError(f"unknown organisation fields: {sorted(unknown)}")
    kind = fields.get("kind", "")
    if not may_create_organisation(actor, kind):
        raise PermissionDenied(_("You may not create this kind of organisation."))
    if kind == OrgKind.FIRM:
        raise ValidationError({"kind": _("Firms are registered in the industry registry.")}, code="firm_kind")
    code = (fields.get("credit_code") or "").strip()
    if code:
        try:
            code = clean_credit_code(code)
        except ValidationError as exc:
            raise ValidationError({"credit_code": exc.messages}, code="credit_code") from None
    fields["credit_code"] = code or None
    for name in ("name", "short_name", "address", "phone"):
        if name in fields:
            fields[name] = (fields[name] or "").strip()
    organisation = Organisation(status=OrgStatus.ACTIVE, **fields)
    with transaction.atomic(), acting_as(actor):
        _check_kind_unique(organisation)
        organisation.full_clean()
        organisation.save()
    return organisation


def _check_kind_unique(organisation: Organisation) -> None:
    others = Organisation.objects.filter(kind=organisation.kind).exclude(status=OrgStatus.CLOSED)
    if organisation.pk is not None:
        others = others.exclude(pk=organisation.pk)
    if organisation.kind == OrgKind.PROVINCIAL_ASSOCIATION and others.exists():
        raise ValidationError(
            {"kind": _("There is already a provincial association: %(name)s.") % {"name": others.first()}},
            code="province_exists",
        )
    if organisation.kind == OrgKind.CITY_ASSOCIATION:
        if not organisation.city:
            raise ValidationError({"city": _("A city association needs its city.")}, code="city_required")
        existing = others.filter(city=organisation.city).first()
        if existing is not None:
            raise ValidationError(
                {"city": _("This city already has an association: %(name)s.") % {"name": existing}},
                code="city_exists",
            )


# Fields `update_organisation` changes; the kind and the city of an organisation stay as created.
EDITABLE_FIELDS = ("name", "short_name", "credit_code", "address", "phone", "status")
EDITABLE_STATUSES = (OrgStatus.ACTIVE, OrgStatus.SUSPENDED, OrgStatus.CLOSED)


def may_change_organisation(actor: User, organisation: Organisation) -> bool:
    """May `actor` edit `organisation` here? The permission gate decides (`restrict(actor, "change")`:
    the province's roles everything, city staff the firms and audited entities of their city);
    firms are edited in the industry registry instead."""
    return (
        organisation.kind != OrgKind.FIRM
        and actor.is_active
        and Organisation.objects.restrict(actor, CHANGE).filter(pk=organisation.pk).exists()
    )


def update_organisation(actor: User, organisation: Organisation, *, request=None, **fields) -> Organisation:
    """Change an organisation's name, short name, credit code, address, telephone and status.

    The status is active, suspended or closed. A member of a suspended or closed organisation loses
    the access of that role at once (the organisation stays on record and can be reopened); the
    provincial association is never suspended or closed. A status change is logged as
    ORG_STATUS_CHANGED (a refused one with outcome failure); every change is in the change log.
    """
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"unknown organisation fields: {sorted(unknown)}")
    # Whether the status would change; decided again on the locked row, as `organisation` may be stale.
    attempt = {"status_change": "status" in fields and fields["status"] != organisation.status}
    try:
        return _update_organisation(actor, organisation, fields, request, attempt)
    except (PermissionDenied, ValidationError) as exc:
        if attempt["status_change"]:
            log_event(
                SecurityEventType.ORG_STATUS_CHANGED,
                user=actor,
                outcome=Outcome.FAILURE,
                request=request,
                organisation_id=organisation.pk,
                status=fields["status"],
                reason=reason(exc),
            )
        raise


def _update_organisation(
    actor: User, organisation: Organisation, fields: dict, request, attempt: dict
) -> Organisation:
    with transaction.atomic(), acting_as(actor):
        locked = (
            Organisation.objects.restrict(actor, CHANGE)
            .select_for_update()
            .filter(pk=organisation.pk)
            .first()
        )
        if locked is None or not actor.is_active:
            raise PermissionDenied(_("You may not change %(organisation)s.") % {"organisation": organisation})
        if locked.kind == OrgKind.FIRM:
            raise ValidationError(_("Firms are edited in the industry registry."), code="firm_kind")
        previous = locked.status
        attempt["status_change"] = "status" in fields and fields["status"] != previous
        for name in ("name", "short_name", "address", "phone"):
            if name in fields:
                setattr(locked, name, (fields[name] or "").strip())
        if "credit_code" in fields:
            code = (fields["credit_code"] or "").strip()
            if code:
                try:
                    code = clean_credit_code(code)
                except ValidationError as exc:
                    raise ValidationError({"credit_code": exc.messages}, code="credit_code") from None
            locked.credit_code = code or None
        if "status" in fields and fields["status"] != previous:
            _check_status(locked, fields["status"])
            locked.status = fields["status"]
        locked.full_clean()
        locked.save()
        if locked.status != previous:
            log_event(
                SecurityEventType.ORG_STATUS_CHANGED,
                user=actor,
                request=request,
                organisation_id=locked.pk,
                organisation=locked.name,
                previous=previous,
                status=locked.status,
                members=Membership.objects.filter(organisation=locked, active=True).count(),
            )
    return locked


def _check_status(organisation: Organisation, status: str) -> None:
    if status not in EDITABLE_STATUSES:
        raise ValidationError({"status": _("Choose active, suspended or closed.")}, code="status")
    if organisation.kind == OrgKind.PROVINCIAL_ASSOCIATION:
        raise ValidationError(
            {"status": _("The provincial association cannot be suspended or closed.")},
            code="province_status",
        )
    if status != OrgStatus.CLOSED:
        # Reopening a closed city association: its city may have a new one by now.
        organisation.status = status
        _check_kind_unique(organisation)
