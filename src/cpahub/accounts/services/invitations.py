"""Invitations: an expiring link that lets a person create their account with given roles.

Only the SM3 digest of the token is stored; the raw token is returned once.
"""

from __future__ import annotations

import functools
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cpahub.accounts.choices import SEPARATED_ADMIN_ROLES, OrgStatus, SecurityEventType
from cpahub.accounts.models import Invitation, Membership, Organisation, User
from cpahub.accounts.security import log_event
from cpahub.accounts.services.base import refusals_logged
from cpahub.accounts.services.people import create_user
from cpahub.accounts.services.roles import (
    check_actor_authority,
    check_role_valid,
    check_separation,
    may_manage_role,
)
from cpahub.core.context import acting_as
from cpahub.core.crypto import sm3_hex

INVITATION_DAYS = 7


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
        check_role_valid(organisation, role)
    if len(set(roles) & SEPARATED_ADMIN_ROLES) > 1:
        raise ValidationError(
            _("An account may hold only one of the system, security and audit administrator roles."),
            code="separation_of_duties",
        )
    for role in roles:
        check_actor_authority(actor, organisation, role)


@refusals_logged(SecurityEventType.INVITATION_SENT)
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


@refusals_logged(SecurityEventType.INVITATION_ACCEPTED)
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
                check_separation(user, role)
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
