"""Write operations of single sign-on: link an identity, record a sign-on, unlink, refuse.

Rules: an identity is found by (provider, subject) only; a first sign-on never creates an account,
it links to an existing one after the person proves they own it (password) or it is refused.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from cpahub.accounts.choices import Outcome, SecurityEventType
from cpahub.accounts.security import log_event
from cpahub.core.permissions import DELETE, can
from cpahub.sso.models import SSOIdentity
from cpahub.sso.providers import Claims


class LinkRefused(Exception):
    """The identity cannot be linked to that account. `reason` is a short code for logs and pages."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def claims_snapshot(claims: Claims) -> dict:
    """What we keep of the provider's claims: the normalised fields and the issuer, nothing more.

    Government platforms send resident ID numbers and more; we keep only what identifies the link.
    """
    snapshot = {
        "subject": claims.subject,
        "username": claims.username_hint,
        "name": claims.name,
        "email": claims.email,
        "phone": claims.phone,
    }
    if "iss" in claims.raw:
        snapshot["iss"] = str(claims.raw["iss"])
    return snapshot


def find_identity(provider: str, subject: str) -> SSOIdentity | None:
    return SSOIdentity.objects.select_related("user").filter(provider=provider, subject=subject).first()


def link_identity(*, user, provider: str, claims: Claims, request=None) -> SSOIdentity:
    """Link a verified sign-on identity to `user`, who has just proved they own the account.

    Writes SSO_LINKED and SSO_LOGIN (the caller logs the user in right after).
    """
    try:
        with transaction.atomic():
            if not user.is_active:
                raise LinkRefused("deactivated")
            existing = (
                SSOIdentity.objects.select_for_update()
                .filter(provider=provider, subject=claims.subject)
                .first()
            )
            if existing is not None and existing.user_id != user.pk:
                raise LinkRefused("linked_to_another_user")
            if existing is None and SSOIdentity.objects.filter(provider=provider, user=user).exists():
                raise LinkRefused("account_has_another_identity")
            now = timezone.now()
            if existing is None:
                identity = SSOIdentity.objects.create(
                    provider=provider,
                    subject=claims.subject,
                    user=user,
                    linked_at=now,
                    last_login_at=now,
                    claims=claims_snapshot(claims),
                )
            else:
                identity = existing
                identity.last_login_at = now
                identity.claims = claims_snapshot(claims)
                identity.save(update_fields=["last_login_at", "claims", "updated"])
            for event in (SecurityEventType.SSO_LINKED, SecurityEventType.SSO_LOGIN):
                log_event(event, user=user, request=request, provider=provider, subject=claims.subject)
    except IntegrityError:  # a concurrent link won the race
        raise LinkRefused("linked_to_another_user") from None
    return identity


def record_sign_on(identity: SSOIdentity, claims: Claims, request=None) -> SSOIdentity:
    """Note a successful sign-on by an already linked identity (the caller then logs the user in)."""
    with transaction.atomic():
        identity.last_login_at = timezone.now()
        identity.claims = claims_snapshot(claims)
        identity.save(update_fields=["last_login_at", "claims", "updated"])
        log_event(
            SecurityEventType.SSO_LOGIN,
            user=identity.user,
            request=request,
            provider=identity.provider,
            subject=identity.subject,
        )
    return identity


def refuse(*, provider: str, reason: str, request=None, subject: str = "", user=None, detail: str = ""):
    """Write the SSO_REFUSED security event for a sign-on that did not log anyone in."""
    extra = {"detail": detail[:300]} if detail else {}
    return log_event(
        SecurityEventType.SSO_REFUSED,
        user=user,
        outcome=Outcome.FAILURE,
        request=request,
        provider=provider,
        reason=reason,
        subject=subject,
        **extra,
    )


def unlink_identity(*, actor, identity: SSOIdentity) -> None:
    """Remove a link (the person themselves, or a security administrator). The change log keeps it."""
    from django.core.exceptions import PermissionDenied

    with transaction.atomic():
        if not can(actor, DELETE, identity):
            raise PermissionDenied
        log_event(
            SecurityEventType.SSO_UNLINKED,
            user=actor,
            provider=identity.provider,
            subject=identity.subject,
            account=identity.user.get_username(),
        )
        identity.delete()
