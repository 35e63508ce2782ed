"""Write operations on accounts: passwords, roles (三员分立), deactivation, invitations, 2FA, tokens.

Every function here checks who may do it, changes the rows inside `transaction.atomic()`, and
writes a security event. Views, admin actions and commands call these; none re-implements them.
Refusals raise `PermissionDenied` (the actor may not) or `ValidationError` (the change is not
allowed for anyone) and are logged with outcome "failure".

Who may grant or revoke a role (see docs/security.md):

- a security administrator: any role, including the three administrator roles, never on
  their own account;
- association staff: province, city, regulator and confirming-party roles, not the three
  administrator roles;
- a firm administrator: firm roles in the firms (and branches) they administer; they may not
  give up their own firm-administrator role when nobody else holds it there;
- onboarding: association staff, and city staff for firms in their city, may appoint the
  administrator of a firm that has none (approving a firm's application invites its administrator).

No account may hold two of the system, security and audit administrator roles; the check runs
with the user's row locked, so two grants racing each other cannot both pass.

Organisations: association staff create city associations, regulators, banks (confirming parties)
and audited entities (`create_organisation`); firms come through the registry, the provincial
association through `cpahub bootstrap` (`bootstrap`), which also creates the three administrators.
"""

from __future__ import annotations

import functools
import secrets
import string
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cpahub.accounts import twofactor
from cpahub.accounts.choices import (
    CREATABLE_KINDS,
    FIRM_ROLES,
    PROVINCE_ROLES,
    ROLES_BY_KIND,
    SEPARATED_ADMIN_ROLES,
    OrgKind,
    OrgStatus,
    Outcome,
    Role,
    SecurityEventType,
)
from cpahub.accounts.models import Invitation, Membership, Organisation, PasswordHistory, User
from cpahub.accounts.security import log_event
from cpahub.core.context import acting_as
from cpahub.core.crypto import sm3_hex
from cpahub.core.permissions import forget_scope, scope_for
from cpahub.core.validators import clean_credit_code

# Roles association staff may hand out (never the three administrator roles).
ASSOCIATION_GRANTABLE_ROLES = PROVINCE_ROLES | {
    Role.CITY_STAFF,
    Role.REGULATOR_READER,
    Role.CONFIRMER_STAFF,
}
INVITATION_DAYS = 7


def _refusals_logged(event: str):
    """Log a refused operation (PermissionDenied/ValidationError) as `event` with outcome failure."""

    def decorate(func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            try:
                return func(*args, **kwargs)
            except (PermissionDenied, ValidationError) as exc:
                actor = kwargs.get("actor", args[0] if args else None)
                log_event(
                    event,
                    user=actor if isinstance(actor, User) else None,
                    outcome=Outcome.FAILURE,
                    request=kwargs.get("request"),
                    reason=_reason(exc),
                )
                raise

        return wrapper

    return decorate


def _reason(exc) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(str(m) for m in exc.messages)
    return str(exc) or exc.__class__.__name__


# --- Passwords --------------------------------------------------------------------------------


def change_password(user: User, new_password: str, *, request=None) -> None:
    """Validate and set a new password; keep the old hash in the history; log it."""
    password_validation.validate_password(new_password, user)
    with transaction.atomic():
        if user.password and user.has_usable_password():
            PasswordHistory.objects.create(user=user, password=user.password)
            keep = max(settings.CPAHUB_PASSWORD_HISTORY, 1)
            old = user.password_history.values_list("pk", flat=True)[keep:]
            PasswordHistory.objects.filter(pk__in=list(old)).delete()
        user.set_password(new_password)
        user.password_changed_at = timezone.now()
        user.must_change_password = False
        user.save(update_fields=["password", "password_changed_at", "must_change_password"])
        log_event(SecurityEventType.PASSWORD_CHANGED, user=user, request=request)


def create_user(username: str, password: str, *, request=None, **fields) -> User:
    """Create an account with a validated password (used by invitations and commands)."""
    user = User(username=username, **fields)
    user.full_clean(exclude=["password"])
    password_validation.validate_password(password, user)
    with transaction.atomic():
        user.set_password(password)
        user.password_changed_at = timezone.now()
        user.save()
        log_event(SecurityEventType.ACCOUNT_CREATED, user=user, request=request)
    return user


# --- Who may manage which role ------------------------------------------------------------------


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


def _check_role_valid(organisation: Organisation, role: str) -> None:
    if role not in Role.values:
        raise ValidationError(_("Unknown role."), code="unknown_role")
    if role not in ROLES_BY_KIND.get(organisation.kind, frozenset()):
        raise ValidationError(
            _("The role %(role)s does not exist in a %(kind)s.")
            % {"role": Role(role).label, "kind": organisation.get_kind_display()},
            code="role_kind",
        )


def _check_separation(user: User, role: str) -> None:
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


def _lock_user(user: User) -> User:
    return User.objects.select_for_update().get(pk=user.pk)


def _lock_actor_authority(actor: User, organisation: Organisation, role: str) -> None:
    if not actor.is_active or not may_manage_role(actor, organisation, role):
        raise PermissionDenied(
            _("You may not manage the role %(role)s in %(organisation)s.")
            % {"role": Role(role).label, "organisation": organisation}
        )


def _done(*users: User) -> None:
    for user in users:
        forget_scope(user)


# --- Grant and revoke ---------------------------------------------------------------------------


@_refusals_logged(SecurityEventType.ROLE_GRANTED)
def grant_role(actor: User, user: User, organisation: Organisation, role: str, *, request=None) -> Membership:
    """Give `user` the `role` in `organisation`."""
    _check_role_valid(organisation, role)
    if actor.pk == user.pk:
        raise PermissionDenied(_("You may not grant roles to yourself."))
    _lock_actor_authority(actor, organisation, role)
    if organisation.status != OrgStatus.ACTIVE:
        raise ValidationError(_("The organisation is not active."), code="organisation_inactive")
    with transaction.atomic(), acting_as(actor):
        target = _lock_user(user)
        if not target.is_active:
            raise ValidationError(_("The account is deactivated."), code="user_inactive")
        _check_separation(target, role)
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
    _done(user, target)
    return membership


def _other_firm_admins(membership: Membership) -> bool:
    return (
        Membership.objects.filter(organisation=membership.organisation, role=Role.FIRM_ADMIN, active=True)
        .exclude(pk=membership.pk)
        .exclude(user__is_active=False)
        .exists()
    )


def _check_may_revoke(actor: User, membership: Membership) -> None:
    _lock_actor_authority(actor, membership.organisation, membership.role)
    if membership.user_id == actor.pk:
        if membership.role in SEPARATED_ADMIN_ROLES:
            raise PermissionDenied(_("You may not change your own administrator role."))
        if membership.role == Role.FIRM_ADMIN and not _other_firm_admins(membership):
            raise ValidationError(
                _("You are the only administrator of %(organisation)s; appoint another one first.")
                % {"organisation": membership.organisation},
                code="last_firm_admin",
            )


@_refusals_logged(SecurityEventType.ROLE_REVOKED)
def revoke_role(actor: User, membership: Membership, *, request=None) -> Membership:
    """End a membership (it stays on record, inactive, with the end date)."""
    with transaction.atomic(), acting_as(actor):
        _lock_user(membership.user)
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
    _done(membership.user)
    return membership


@_refusals_logged(SecurityEventType.ROLE_GRANTED)
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


# --- Deactivation ------------------------------------------------------------------------------


def may_manage_user(actor: User, user: User, memberships=None) -> bool:
    """May `actor` deactivate `user` (or reset their second factor)? They must be able to revoke
    every active role the user holds; a user without roles is managed by security administrators.

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


def _kill_sessions(user: User) -> int:
    killed = []
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if session.get_decoded().get("_auth_user_id") == str(user.pk):
            killed.append(session.pk)
    Session.objects.filter(pk__in=killed).delete()
    return len(killed)


@_refusals_logged(SecurityEventType.ACCOUNT_DEACTIVATED)
def deactivate_user(actor: User, user: User, *, request=None) -> User:
    """Close an account: never deleted; memberships end; sessions and API tokens die."""
    from rest_framework.authtoken.models import Token

    with transaction.atomic(), acting_as(actor):
        target = _lock_user(user)
        if not target.is_active:
            raise ValidationError(_("The account is already deactivated."), code="inactive")
        if not may_manage_user(actor, target):
            raise PermissionDenied(_("You may not deactivate this account."))
        today = timezone.localdate()
        ended = 0
        for membership in Membership.objects.filter(user=target, active=True):
            membership.active = False
            membership.ended = today
            membership.save()
            ended += 1
        target.is_active = False
        target.deactivated_at = timezone.now()
        target.save(update_fields=["is_active", "deactivated_at"])
        tokens, _deleted = Token.objects.filter(user=target).delete()
        sessions = _kill_sessions(target)
        log_event(
            SecurityEventType.ACCOUNT_DEACTIVATED,
            user=actor,
            request=request,
            target=target.get_username(),
            target_id=target.pk,
            memberships_ended=ended,
            sessions_ended=sessions,
            tokens_deleted=tokens,
        )
    user.is_active = False
    user.deactivated_at = target.deactivated_at
    _done(user, target)
    return target


# --- Invitations -------------------------------------------------------------------------------


def token_digest(token: str) -> str:
    return sm3_hex(token.encode("utf-8"))


def invitation_path(token: str) -> str:
    return reverse("accounts:invitation_accept", args=[token])


def invitation_url(token: str, request=None) -> str:
    path = invitation_path(token)
    if request is not None:
        return request.build_absolute_uri(path)
    return settings.SITE_URL.rstrip("/") + path


def _check_invitation_roles(actor: User, organisation: Organisation, roles: list[str]) -> None:
    if not roles:
        raise ValidationError(_("Choose at least one role."), code="no_roles")
    for role in roles:
        _check_role_valid(organisation, role)
    if len(set(roles) & SEPARATED_ADMIN_ROLES) > 1:
        raise ValidationError(
            _("An account may hold only one of the system, security and audit administrator roles."),
            code="separation_of_duties",
        )
    for role in roles:
        _lock_actor_authority(actor, organisation, role)


@_refusals_logged(SecurityEventType.INVITATION_SENT)
def create_invitation(
    actor: User, organisation: Organisation, roles, email: str = "", name: str = "", *, request=None
) -> str:
    """Invite a person to create an account with `roles` in `organisation`.

    Returns the raw token, once: only its SM3 digest is stored. The link is
    `/accounts/invite/<token>/` and lapses after 7 days. When an email address is given, the link
    is also mailed (after the transaction commits).
    """
    roles = sorted(set(roles))
    if organisation.status != OrgStatus.ACTIVE:
        raise ValidationError(_("The organisation is not active."), code="organisation_inactive")
    _check_invitation_roles(actor, organisation, roles)
    token = Invitation.new_token()
    with transaction.atomic():
        invitation = Invitation.objects.create(
            token_digest=token_digest(token),
            organisation=organisation,
            roles=roles,
            email=email.strip(),
            display_name=name.strip(),
            invited_by=actor,
            expires=timezone.now() + timedelta(days=INVITATION_DAYS),
        )
        log_event(
            SecurityEventType.INVITATION_SENT,
            user=actor,
            request=request,
            invitation_id=invitation.pk,
            organisation_id=organisation.pk,
            roles=roles,
            email=invitation.email,
        )
        if invitation.email:
            url = invitation_url(token, request)
            transaction.on_commit(functools.partial(_mail_invitation, invitation, url))
    return token


def _mail_invitation(invitation: Invitation, url: str) -> None:
    subject = _("Your invitation to cpahub")
    body = _(
        "You are invited to join %(organisation)s on cpahub.\n\n"
        "Open this link to create your account (it works once and expires on %(expires)s):\n%(url)s\n"
    ) % {
        "organisation": invitation.organisation,
        "expires": timezone.localtime(invitation.expires).strftime("%Y-%m-%d %H:%M"),
        "url": url,
    }
    send_mail(subject, body, None, [invitation.email], fail_silently=True)


def find_invitation(token: str) -> Invitation | None:
    """The usable invitation behind a link, or None (unknown, expired, used or revoked)."""
    invitation = (
        Invitation.objects.select_related("organisation").filter(token_digest=token_digest(token)).first()
    )
    return invitation if invitation is not None and invitation.usable else None


@_refusals_logged(SecurityEventType.INVITATION_ACCEPTED)
def accept_invitation(
    token: str,
    username: str,
    password: str,
    *,
    display_name: str = "",
    email: str = "",
    phone: str = "",
    request=None,
) -> User:
    """Create the invited person's account with the invitation's roles."""
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update(of=("self",))
            .select_related("organisation", "invited_by")
            .filter(token_digest=token_digest(token))
            .first()
        )
        if invitation is None or not invitation.usable:
            raise ValidationError(_("This invitation link is invalid or has expired."), code="invalid")
        inviter = invitation.invited_by
        if inviter is None or not inviter.is_active:
            raise ValidationError(_("This invitation is no longer valid."), code="inviter_gone")
        _check_invitation_roles(inviter, invitation.organisation, invitation.roles)
        if User.objects.filter(username__iexact=username).exists():
            raise ValidationError({"username": _("This user name is taken.")}, code="username_taken")
        user = create_user(
            username,
            password,
            request=request,
            display_name=display_name or invitation.display_name,
            email=email or invitation.email,
            phone=phone,
        )
        with acting_as(user):
            for role in invitation.roles:
                _check_separation(user, role)
                membership = Membership.objects.create(
                    user=user, organisation=invitation.organisation, role=role
                )
                log_event(
                    SecurityEventType.ROLE_GRANTED,
                    user=inviter,
                    request=request,
                    target=user.get_username(),
                    target_id=user.pk,
                    organisation_id=invitation.organisation_id,
                    role=role,
                    membership_id=membership.pk,
                    invitation_id=invitation.pk,
                )
        invitation.accepted_by = user
        invitation.accepted_at = timezone.now()
        invitation.save(update_fields=["accepted_by", "accepted_at"])
        log_event(
            SecurityEventType.INVITATION_ACCEPTED,
            user=user,
            request=request,
            invitation_id=invitation.pk,
            organisation_id=invitation.organisation_id,
            roles=invitation.roles,
            invited_by=inviter.get_username(),
        )
    return user


def revoke_invitation(actor: User, invitation: Invitation, *, request=None) -> Invitation:
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update(of=("self",))
            .select_related("organisation")
            .get(pk=invitation.pk)
        )
        if not all(may_manage_role(actor, invitation.organisation, role) for role in invitation.roles):
            raise PermissionDenied(_("You may not withdraw this invitation."))
        if invitation.usable:
            invitation.revoked = True
            invitation.save(update_fields=["revoked"])
            log_event(
                SecurityEventType.INVITATION_REVOKED,
                user=actor,
                request=request,
                invitation_id=invitation.pk,
                organisation_id=invitation.organisation_id,
            )
    return invitation


# --- Two-factor --------------------------------------------------------------------------------


def confirm_two_factor(user: User, device, code: str, *, request=None) -> list[str] | None:
    """Confirm a pending authenticator with a code from it. Returns new backup codes when this is
    the user's first authenticator (replacing one keeps the codes), or None when the code is wrong."""
    with transaction.atomic():
        device = type(device).objects.select_for_update().get(pk=device.pk, user=user, confirmed=False)
        if not device.verify_token(twofactor.normalise_code(code)):
            return None
        replaced = type(device).objects.filter(user=user).exclude(pk=device.pk)
        had_device = replaced.filter(confirmed=True).exists()
        replaced.delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        log_event(SecurityEventType.TWO_FACTOR_ENABLED, user=user, request=request, replaced=had_device)
        codes = None
        if not had_device or twofactor.backup_codes_left(user) == 0:
            codes = twofactor.new_backup_codes(user)
            log_event(SecurityEventType.BACKUP_CODES_CREATED, user=user, request=request, count=len(codes))
    return codes if codes is not None else []


def regenerate_backup_codes(user: User, *, request=None) -> list[str]:
    if not twofactor.user_has_device(user):
        raise ValidationError(_("Set up an authenticator first."), code="no_device")
    with transaction.atomic():
        codes = twofactor.new_backup_codes(user)
        log_event(SecurityEventType.BACKUP_CODES_CREATED, user=user, request=request, count=len(codes))
    return codes


def disable_two_factor(user: User, *, request=None) -> None:
    """Turn off the second factor (only for users whose roles do not require it)."""
    if twofactor.requires_two_factor(user):
        raise PermissionDenied(_("Your roles require two-factor authentication; it cannot be turned off."))
    with transaction.atomic():
        twofactor.remove_devices(user)
        log_event(SecurityEventType.TWO_FACTOR_DISABLED, user=user, request=request)


@_refusals_logged(SecurityEventType.TWO_FACTOR_DISABLED)
def reset_two_factor(actor: User, user: User, *, request=None) -> None:
    """Remove another person's devices (lost phone); they set up again at their next login."""
    if not may_manage_user(actor, user):
        raise PermissionDenied(_("You may not reset this person's two-factor authentication."))
    with transaction.atomic():
        twofactor.remove_devices(user)
        log_event(
            SecurityEventType.TWO_FACTOR_DISABLED,
            user=actor,
            request=request,
            target=user.get_username(),
            target_id=user.pk,
            reset=True,
        )
        _kill_sessions(user)


# --- API tokens --------------------------------------------------------------------------------


def create_api_token(user: User, *, request=None):
    """Create (or replace) the user's API token. The caller shows `token.key` once."""
    from rest_framework.authtoken.models import Token

    with transaction.atomic():
        replaced, _deleted = Token.objects.filter(user=user).delete()
        token = Token.objects.create(user=user)
        log_event(SecurityEventType.API_TOKEN_CREATED, user=user, request=request, rotated=bool(replaced))
    return token


def delete_api_token(user: User, *, request=None) -> bool:
    from rest_framework.authtoken.models import Token

    with transaction.atomic():
        deleted, _detail = Token.objects.filter(user=user).delete()
        if deleted:
            log_event(SecurityEventType.API_TOKEN_DELETED, user=user, request=request)
    return bool(deleted)


# --- Organisations -----------------------------------------------------------------------------

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


# --- Bootstrap of a fresh installation ------------------------------------------------------------

BOOTSTRAP_ROLES = (Role.SECURITY_ADMIN, Role.SYSTEM_ADMIN, Role.AUDIT_ADMIN)
SYSTEM_ADMIN_GROUP = "cpahub system administrators"
_SYMBOL_CHARACTERS = "!#%+-=?@^_~"


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


def random_password(length: int = 20) -> str:
    """A random password with every character class (passes the password rules)."""
    classes = (string.ascii_uppercase, string.ascii_lowercase, string.digits, _SYMBOL_CHARACTERS)
    alphabet = "".join(classes)
    chars = [secrets.choice(group) for group in classes]
    chars += [secrets.choice(alphabet) for _i in range(length - len(chars))]
    secrets.SystemRandom().shuffle(chars)
    return "".join(chars)


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
