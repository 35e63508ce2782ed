"""API tokens: each person holds at most one, shown once when created."""

from __future__ import annotations

from django.db import transaction

from cpahub.accounts.choices import SecurityEventType
from cpahub.accounts.models import User
from cpahub.accounts.security import log_event


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
