"""Passwords: a person changes their own; an administrator resets another's (等级保护: on an intranet
there is no self-service e-mail flow, so a forgotten password is reset by whoever manages the account).
"""

from __future__ import annotations

import secrets
import string

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables

from cpahub.accounts.choices import SecurityEventType
from cpahub.accounts.models import PasswordHistory, User
from cpahub.accounts.security import log_event
from cpahub.accounts.services.base import delete_tokens, kill_sessions, lock_user, refusals_logged
from cpahub.accounts.services.roles import may_manage_user

_SYMBOL_CHARACTERS = "!#%+-=?@^_~"
# A temporary password is read off the screen and passed on: no characters that look alike.
_READABLE_CLASSES = ("ABCDEFGHJKLMNPQRSTUVWXYZ", "abcdefghijkmnopqrstuvwxyz", "23456789", "#%+-=?@")
TEMPORARY_PASSWORD_LENGTH = 14


def random_password(length: int = 20, *, readable: bool = False) -> str:
    """A random password with every character class (passes the password rules). `readable`
    leaves out characters that are easily confused (0/O, 1/l/I) and most symbols."""
    if readable:
        classes = _READABLE_CLASSES
    else:
        classes = (string.ascii_uppercase, string.ascii_lowercase, string.digits, _SYMBOL_CHARACTERS)
    alphabet = "".join(classes)
    chars = [secrets.choice(group) for group in classes]
    chars += [secrets.choice(alphabet) for _i in range(length - len(chars))]
    secrets.SystemRandom().shuffle(chars)
    return "".join(chars)


def _remember_password(user: User) -> None:
    """Keep the current hash in the history (the rules refuse reusing the last few)."""
    if user.password and user.has_usable_password():
        PasswordHistory.objects.create(user=user, password=user.password)
        keep = max(settings.CPAHUB_PASSWORD_HISTORY, 1)
        old = user.password_history.values_list("pk", flat=True)[keep:]
        PasswordHistory.objects.filter(pk__in=list(old)).delete()


def change_password(user: User, new_password: str, *, request=None) -> None:
    """Validate and set a new password; keep the old hash in the history; log it."""
    password_validation.validate_password(new_password, user)
    with transaction.atomic():
        _remember_password(user)
        user.set_password(new_password)
        user.password_changed_at = timezone.now()
        user.must_change_password = False
        user.save(update_fields=["password", "password_changed_at", "must_change_password"])
        log_event(SecurityEventType.PASSWORD_CHANGED, user=user, request=request)


def _temporary_password(user: User) -> str:
    length = max(TEMPORARY_PASSWORD_LENGTH, settings.CPAHUB_PASSWORD_MIN_LENGTH)
    for _attempt in range(5):
        password = random_password(length, readable=True)
        try:
            password_validation.validate_password(password, user)
        except ValidationError:
            continue
        return password
    raise RuntimeError("could not make a temporary password that passes the password rules")


def _clear_lockout(user: User) -> int:
    """Forget the failed logins of the account (an administrator vouched for its owner)."""
    from axes.utils import reset

    return reset(username=user.get_username())


@refusals_logged(SecurityEventType.PASSWORD_RESET)
@sensitive_variables("password")
def reset_password(actor: User, user: User, *, request=None) -> str:
    """Give another person's account a random temporary password and return it, once.

    Allowed where `may_manage_user` allows (never on one's own account). The person must change
    the password at the next login (`must_change_password`); their sessions end and their API token
    is deleted; the failed-login count of the account is cleared. The password itself is stored
    only as a hash and appears in no log; the caller shows it once and forgets it.
    """
    with transaction.atomic():
        target = lock_user(user)
        if not target.is_active:
            raise ValidationError(_("The account is deactivated."), code="user_inactive")
        if not may_manage_user(actor, target):
            raise PermissionDenied(_("You may not reset this person's password."))
        password = _temporary_password(target)
        _remember_password(target)
        target.set_password(password)
        target.password_changed_at = timezone.now()
        target.must_change_password = True
        target.save(update_fields=["password", "password_changed_at", "must_change_password"])
        sessions = kill_sessions(target)
        tokens = delete_tokens(target)
        attempts = _clear_lockout(target)
        log_event(
            SecurityEventType.PASSWORD_RESET,
            user=actor,
            request=request,
            target=target.get_username(),
            target_id=target.pk,
            sessions_ended=sessions,
            tokens_deleted=tokens,
            failed_logins_cleared=attempts,
        )
    user.password = target.password
    user.password_changed_at = target.password_changed_at
    user.must_change_password = True
    return password
