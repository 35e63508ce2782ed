"""Helpers the service modules share: refusal logging, row locks, ending sessions and tokens."""

from __future__ import annotations

import functools

from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from cpahub.accounts.choices import Outcome
from cpahub.accounts.models import User
from cpahub.accounts.security import log_event
from cpahub.core.permissions import forget_scope


def refusals_logged(event: str):
    """Log a refused operation (PermissionDenied/ValidationError) as `event` with outcome failure.

    The decorated function takes the acting user as its first argument (or `actor=`)."""

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
                    reason=reason(exc),
                )
                raise

        return wrapper

    return decorate


def reason(exc) -> str:
    """The text of a refusal, for the security log."""
    if isinstance(exc, ValidationError):
        return "; ".join(str(m) for m in exc.messages)
    return str(exc) or exc.__class__.__name__


def lock_user(user: User) -> User:
    """The user's row, locked until the transaction ends (serialises changes to one account)."""
    return User.objects.select_for_update().get(pk=user.pk)


def forget_scopes(*users: User) -> None:
    """Drop the cached permission scope of changed users, so the next check recomputes it."""
    for user in users:
        forget_scope(user)


def kill_sessions(user: User) -> int:
    """End every session of `user`; returns how many there were."""
    killed = []
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if session.get_decoded().get("_auth_user_id") == str(user.pk):
            killed.append(session.pk)
    Session.objects.filter(pk__in=killed).delete()
    return len(killed)


def delete_tokens(user: User) -> int:
    """Delete the user's API token(s); returns how many there were."""
    from rest_framework.authtoken.models import Token

    deleted, _detail = Token.objects.filter(user=user).delete()
    return deleted
