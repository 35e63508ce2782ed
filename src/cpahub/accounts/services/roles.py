"""Who may manage which role (the grant matrix), and granting and revoking roles (三员分立)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cpahub.accounts.choices import (
    FIRM_ROLES,
    PROVINCE_ROLES,
    ROLES_BY_KIND,
    SEPARATED_ADMIN_ROLES,
    OrgKind,
    OrgStatus,
    Role,
    SecurityEventType,
)
from cpahub.accounts.models import Membership, Organisation, User
from cpahub.accounts.security import log_event
from cpahub.accounts.services.base import forget_scopes, lock_user, refusals_logged
from cpahub.core.context import acting_as
from cpahub.core.permissions import scope_for

# Roles association staff may hand out (never the three administrator roles).
ASSOCIATION_GRANTABLE_ROLES = PROVINCE_ROLES | {
    Role.CITY_STAFF,
    Role.REGULATOR_READER,
    Role.CONFIRMER_STAFF,
}


def may_manage_role(actor: User, organisation: Organisation, role: str) -> bool:
    """The grant matrix: may `actor` grant or revoke `role` in `organisation` (ignoring self rules)?"""
    scope = scope_for(actor)
    if scope.has_role(Role.SECURITY_ADMIN):
        return True
    if role in SEPARATED_ADMIN_ROLES:
        return False
    if role in ASSOCIATION_GRANTABLE_ROLES and scope.has_role(Role.ASSOCIATION_STAFF):
        return True
    if role in FIRM_ROLES and organisation.pk in scope.admin_firm_ids:
        return True
    # Onboarding: the association (or the firm's city association) appoints the administrator of
    # a firm that has none, e.g. when it approves the firm's application.
    return (
        role == Role.FIRM_ADMIN
        and organisation.kind == OrgKind.FIRM
        and (scope.has_role(Role.ASSOCIATION_STAFF) or organisation.city in scope.city_codes)
        and not Membership.objects.filter(
            organisation_id__in=[organisation.pk, organisation.parent_id],
            role=Role.FIRM_ADMIN,
            active=True,
            user__is_active=True,
        ).exists()
    )


def manageable_roles(actor: User, organisation: Organisation) -> list[str]:
    """The roles `actor` may grant in `organisation`, in the order of `Role`."""
    valid = ROLES_BY_KIND.get(organisation.kind, frozenset())
    return [role for role in Role.values if role in valid and may_manage_role(actor, organisation, role)]


def may_manage_user(actor: User, user: User, memberships=None) -> bool:
    """May `actor` deactivate `user`, reset their password or their second factor? They must be
    able to revoke every active role the user holds; a user without roles is managed by security
    administrators. Nobody manages their own account this way.

    `memberships`: the user's active memberships with their organisations, when already loaded
    (list pages pass them to avoid a query per person)."""
    if actor.pk == user.pk or not actor.is_active:
        return False
    if memberships is None:
        memberships = Membership.objects.filter(user=user, active=True).select_related("organisation")
    memberships = list(memberships)
    if not memberships:
        return scope_for(actor).has_role(Role.SECURITY_ADMIN)
    return all(may_manage_role(actor, m.organisation, m.role) for m in memberships)


def check_role_valid(organisation: Organisation, role: str) -> None:
    if role not in Role.values:
        raise ValidationError(_("Unknown role."), code="unknown_role")
    if role not in ROLES_BY_KIND.get(organisation.kind, frozenset()):
        raise ValidationError(
            _("The role %(role)s does not exist in a %(kind)s.")
            % {"role": Role(role).label, "kind": organisation.get_kind_display()},
            code="role_kind",
        )


def check_separation(user: User, role: str) -> None:
    """三员分立: refuse a second administrator role. The caller holds the user's row lock."""
    if role not in SEPARATED_ADMIN_ROLES:
        return
    held = set(
        Membership.objects.filter(user=user, active=True, role__in=SEPARATED_ADMIN_ROLES).values_list(
            "role", flat=True
        )
    )
    held.discard(role)
    if held:
        raise ValidationError(
            _(
                "An account may hold only one of the system, security and audit administrator "
                "roles; this one already holds %(role)s."
            )
            % {"role": Role(sorted(held)[0]).label},
            code="separation_of_duties",
        )


def check_actor_authority(actor: User, organisation: Organisation, role: str) -> None:
    if not actor.is_active or not may_manage_role(actor, organisation, role):
        raise PermissionDenied(
            _("You may not manage the role %(role)s in %(organisation)s.")
            % {"role": Role(role).label, "organisation": organisation}
        )


@refusals_logged(SecurityEventType.ROLE_GRANTED)
def grant_role(actor: User, user: User, organisation: Organisation, role: str, *, request=None) -> Membership:
    """Give `user` the `role` in `organisation`."""
    check_role_valid(organisation, role)
    if actor.pk == user.pk:
        raise PermissionDenied(_("You may not grant roles to yourself."))
    check_actor_authority(actor, organisation, role)
    # The stored status, not the caller's copy: a suspension takes effect at once.
    if not Organisation.objects.filter(pk=organisation.pk, status=OrgStatus.ACTIVE).exists():
        raise ValidationError(_("The organisation is not active."), code="organisation_inactive")
    with transaction.atomic(), acting_as(actor):
        target = lock_user(user)
        if not target.is_active:
            raise ValidationError(_("The account is deactivated."), code="user_inactive")
        check_separation(target, role)
        if Membership.objects.filter(user=target, organisation=organisation, role=role, active=True).exists():
            raise ValidationError(_("The person already holds this role here."), code="duplicate")
        membership = Membership.objects.create(user=target, organisation=organisation, role=role)
        log_event(
            SecurityEventType.ROLE_GRANTED,
            user=actor,
            request=request,
            target=target.get_username(),
            target_id=target.pk,
            organisation_id=organisation.pk,
            role=role,
            membership_id=membership.pk,
        )
    forget_scopes(user, target)
    return membership


def _other_firm_admins(membership: Membership) -> bool:
    return (
        Membership.objects.filter(organisation=membership.organisation, role=Role.FIRM_ADMIN, active=True)
        .exclude(pk=membership.pk)
        .exclude(user__is_active=False)
        .exists()
    )


def _check_may_revoke(actor: User, membership: Membership) -> None:
    check_actor_authority(actor, membership.organisation, membership.role)
    if membership.user_id == actor.pk:
        if membership.role in SEPARATED_ADMIN_ROLES:
            raise PermissionDenied(_("You may not change your own administrator role."))
        if membership.role == Role.FIRM_ADMIN and not _other_firm_admins(membership):
            raise ValidationError(
                _("You are the only administrator of %(organisation)s; appoint another one first.")
                % {"organisation": membership.organisation},
                code="last_firm_admin",
            )


@refusals_logged(SecurityEventType.ROLE_REVOKED)
def revoke_role(actor: User, membership: Membership, *, request=None) -> Membership:
    """End a membership (it stays on record, inactive, with the end date)."""
    with transaction.atomic(), acting_as(actor):
        lock_user(membership.user)
        membership = (
            Membership.objects.select_for_update(of=("self",))
            .select_related("organisation")
            .get(pk=membership.pk)
        )
        if not membership.active:
            raise ValidationError(_("This role has already ended."), code="inactive")
        _check_may_revoke(actor, membership)
        membership.active = False
        membership.ended = timezone.localdate()
        membership.save()
        log_event(
            SecurityEventType.ROLE_REVOKED,
            user=actor,
            request=request,
            target=membership.user.get_username(),
            target_id=membership.user_id,
            organisation_id=membership.organisation_id,
            role=membership.role,
            membership_id=membership.pk,
        )
    forget_scopes(membership.user)
    return membership


@refusals_logged(SecurityEventType.ROLE_GRANTED)
def set_roles(actor: User, user: User, organisation: Organisation, roles, *, request=None) -> None:
    """Make `user`'s active roles in `organisation` exactly `roles` (grants and revokes the difference)."""
    wanted = set(roles)
    with transaction.atomic():
        current = {
            m.role: m for m in Membership.objects.filter(user=user, organisation=organisation, active=True)
        }
        for role, membership in current.items():
            if role not in wanted:
                revoke_role(actor, membership, request=request)
        for role in sorted(wanted - set(current)):
            grant_role(actor, user, organisation, role, request=request)
