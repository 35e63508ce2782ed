"""Two-factor authentication: confirming an authenticator, backup codes, turning it off, and an
administrator's reset of another person's devices (lost phone)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from cpahub.accounts import twofactor
from cpahub.accounts.choices import SecurityEventType
from cpahub.accounts.models import User
from cpahub.accounts.security import log_event
from cpahub.accounts.services.base import kill_sessions, refusals_logged
from cpahub.accounts.services.roles import may_manage_user


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


@refusals_logged(SecurityEventType.TWO_FACTOR_DISABLED)
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
        kill_sessions(user)
