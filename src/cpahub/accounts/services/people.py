"""Accounts: creating one (with a validated password) and deactivating one."""

from __future__ import annotations

from django.contrib.auth import password_validation
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cpahub.accounts.choices import SecurityEventType
from cpahub.accounts.models import Membership, User
from cpahub.accounts.security import log_event
from cpahub.accounts.services.base import (
    delete_tokens,
    forget_scopes,
    kill_sessions,
    lock_user,
    refusals_logged,
)
from cpahub.accounts.services.roles import may_manage_user
from cpahub.core.context import acting_as


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


@refusals_logged(SecurityEventType.ACCOUNT_DEACTIVATED)
def deactivate_user(actor: User, user: User, *, request=None) -> User:
    """Close an account: never deleted; memberships end; sessions and API tokens die."""
    with transaction.atomic(), acting_as(actor):
        target = lock_user(user)
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
        tokens = delete_tokens(target)
        sessions = kill_sessions(target)
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
    forget_scopes(user, target)
    return target
