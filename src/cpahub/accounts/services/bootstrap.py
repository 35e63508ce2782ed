"""Bootstrap of a fresh installation: the provincial association and the three administrators."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cpahub.accounts.choices import OrgKind, OrgStatus, Role, SecurityEventType
from cpahub.accounts.models import Membership, Organisation, User
from cpahub.accounts.security import log_event
from cpahub.accounts.services.organisations import create_organisation
from cpahub.accounts.services.passwords import random_password
from cpahub.core.context import acting_as

BOOTSTRAP_ROLES = (Role.SECURITY_ADMIN, Role.SYSTEM_ADMIN, Role.AUDIT_ADMIN)
SYSTEM_ADMIN_GROUP = "cpahub system administrators"


@dataclass
class BootstrapAccount:
    role: str
    username: str
    password: str | None  # set only when the account was created now (shown once)
    holds_role: bool  # the account holds `role` at the provincial association


@dataclass
class BootstrapResult:
    province: Organisation
    province_created: bool
    accounts: list[BootstrapAccount]


def bootstrap(province_name: str, administrators: dict[str, str]) -> BootstrapResult:
    """Prepare a fresh installation: the provincial association (when missing) and the three
    administrator accounts of 三员分立, each holding one of the roles there.

    `administrators` maps each of `BOOTSTRAP_ROLES` to a user name; the three must differ. A new
    account gets a random password (returned once, for the operator to hand over) and must change
    it at first login. Existing accounts are not changed at all. Runs as the system (actor None):
    ACCOUNT_CREATED and ROLE_GRANTED are logged without a user, with `via: bootstrap`.
    """
    if set(administrators) != set(BOOTSTRAP_ROLES):
        raise ValueError("administrators must name exactly the three administrator roles")
    names = [administrators[role].strip() for role in BOOTSTRAP_ROLES]
    if any(not name for name in names) or len({name.casefold() for name in names}) != len(names):
        raise ValidationError(
            _("The system, security and audit administrators must be three different accounts (三员分立)."),
            code="separation_of_duties",
        )
    with transaction.atomic(), acting_as(None):
        province = (
            Organisation.objects.filter(kind=OrgKind.PROVINCIAL_ASSOCIATION)
            .exclude(status=OrgStatus.CLOSED)
            .order_by("pk")
            .first()
        )
        province_created = province is None
        if province_created:
            province = create_organisation(None, kind=OrgKind.PROVINCIAL_ASSOCIATION, name=province_name)
        accounts = [
            _bootstrap_account(role, administrators[role].strip(), province) for role in BOOTSTRAP_ROLES
        ]
    return BootstrapResult(province=province, province_created=province_created, accounts=accounts)


def _bootstrap_account(role: str, username: str, province: Organisation) -> BootstrapAccount:
    existing = User.objects.filter(username__iexact=username).first()
    if existing is not None:
        holds = Membership.objects.filter(
            user=existing, organisation=province, role=role, active=True
        ).exists()
        return BootstrapAccount(role=role, username=existing.username, password=None, holds_role=holds)
    user = User(username=username, must_change_password=True, is_staff=role == Role.SYSTEM_ADMIN)
    user.full_clean(exclude=["password"])
    password = random_password()
    password_validation.validate_password(password, user)
    user.set_password(password)
    user.password_changed_at = timezone.now()
    user.save()
    log_event(
        SecurityEventType.ACCOUNT_CREATED, user=None, target=username, target_id=user.pk, via="bootstrap"
    )
    membership = Membership.objects.create(user=user, organisation=province, role=role)
    log_event(
        SecurityEventType.ROLE_GRANTED,
        user=None,
        target=username,
        target_id=user.pk,
        organisation_id=province.pk,
        role=role,
        membership_id=membership.pk,
        via="bootstrap",
    )
    if role == Role.SYSTEM_ADMIN:
        user.groups.add(system_admin_group())
    return BootstrapAccount(role=role, username=username, password=password, holds_role=True)


def system_admin_group():
    """The permission group that lets a system administrator use Django admin (which also needs
    `is_staff` and the role). It holds the model permissions of cpahub's models registered in the
    admin; their ModelAdmins still refuse what nobody may do there (add accounts, delete anything,
    edit memberships). Refreshed on each bootstrap, so models registered later are added then."""
    from django.contrib import admin
    from django.contrib.auth.models import Group, Permission
    from django.contrib.contenttypes.models import ContentType

    group, _created = Group.objects.get_or_create(name=SYSTEM_ADMIN_GROUP)
    models = [model for model in admin.site._registry if model.__module__.startswith("cpahub.")]
    types = ContentType.objects.get_for_models(*models, for_concrete_models=True).values()
    group.permissions.set(Permission.objects.filter(content_type__in=types))
    return group
