"""The security event log: one function writes it, receivers feed it from Django's auth signals."""

from __future__ import annotations

import json

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db import transaction
from django.dispatch import receiver

from cpahub.accounts.choices import Outcome, SecurityEventType
from cpahub.core.context import address_var, current_request_id
from cpahub.core.crypto import sm3_hex


def _chain_digest(previous: str, event) -> str:
    body = json.dumps(
        [
            previous,
            event.time.isoformat(),
            event.event,
            event.outcome,
            event.user_id,
            event.username,
            event.address,
            event.request_id,
            event.detail,
        ],
        ensure_ascii=False,
        sort_keys=True,
        default=str,
    )
    return sm3_hex(body.encode("utf-8"))


def log_event(
    event: str,
    *,
    user=None,
    username: str = "",
    outcome: str = Outcome.SUCCESS,
    request=None,
    **detail,
):
    """Append one event. Each row carries the SM3 digest of the previous one, so an edit shows."""
    from cpahub.accounts.models import SecurityEvent

    if user is not None and not getattr(user, "is_authenticated", False):
        user = None
    address = address_var.get()
    agent = ""
    if request is not None:
        agent = request.headers.get("User-Agent", "")[:300]
    with transaction.atomic():
        last = (
            SecurityEvent.objects.select_for_update().order_by("-pk").values_list("digest", flat=True).first()
        )
        row = SecurityEvent(
            event=event,
            outcome=outcome,
            user=user,
            username=(username or (user.get_username() if user else ""))[:150],
            address=address[:64],
            user_agent=agent,
            request_id=current_request_id(),
            detail=detail,
            previous_digest=last or "",
        )
        row.digest = _chain_digest(row.previous_digest, row)
        row.save()
    return row


def verify_chain(rows) -> list[int]:
    """Return the ids of rows whose digest does not match their content and predecessor."""
    broken = []
    previous = None
    for row in rows:
        if (previous is not None and row.previous_digest != previous) or _chain_digest(
            row.previous_digest, row
        ) != row.digest:
            broken.append(row.pk)
        previous = row.digest
    return broken


@receiver(user_logged_in, dispatch_uid="cpahub_security_login")
def _on_login(sender, request, user, **kwargs):
    method = getattr(request, "login_method", "password") if request is not None else "password"
    log_event(SecurityEventType.LOGIN, user=user, request=request, method=method)


@receiver(user_logged_out, dispatch_uid="cpahub_security_logout")
def _on_logout(sender, request, user, **kwargs):
    if user is not None:
        log_event(SecurityEventType.LOGOUT, user=user, request=request)


@receiver(user_login_failed, dispatch_uid="cpahub_security_login_failed")
def _on_login_failed(sender, credentials, request=None, **kwargs):
    log_event(
        SecurityEventType.LOGIN_FAILED,
        username=str(credentials.get("username", ""))[:150],
        outcome=Outcome.FAILURE,
        request=request,
    )


@receiver(user_locked_out, dispatch_uid="cpahub_security_locked_out")
def _on_locked_out(sender, request, username=None, ip_address=None, **kwargs):
    """django-axes fires this on the failure that reaches the limit and again on every failure
    during the lockout; only the first one (failures == limit) starts a lockout worth logging."""
    from axes.helpers import get_failure_limit

    failures = getattr(request, "axes_failures_since_start", None)
    credentials = getattr(request, "axes_credentials", None)
    if failures is not None and failures != get_failure_limit(request, credentials):
        return
    log_event(
        SecurityEventType.LOCKED_OUT,
        username=str(username or "")[:150],
        outcome=Outcome.FAILURE,
        request=request,
        stage="password",
        failures=failures,
        ip_address=ip_address or "",
    )


def log_permission_denied(request, **detail):
    """Log a refused request once (views, the DRF handler and middleware all call this)."""
    raw = getattr(request, "_request", request)  # the HttpRequest behind a DRF Request
    if raw is None or getattr(raw, "_cpahub_denial_logged", False):
        return None
    raw._cpahub_denial_logged = True
    user = getattr(request, "user", None)
    return log_event(
        SecurityEventType.PERMISSION_DENIED,
        user=user,
        outcome=Outcome.FAILURE,
        request=raw,
        path=request.path[:300],
        method=request.method,
        **detail,
    )
