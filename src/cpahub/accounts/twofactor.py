"""Two-factor rules: who must use TOTP, whether they have a confirmed device, and checking codes.

A user's second factor is one TOTP device (an authenticator app) plus one static device holding
ten single-use backup codes. The second login step is limited: after `MAX_FAILURES` wrong codes
within the lockout window (the same window as password lockout) it refuses further codes until
the oldest counted failure leaves the window. The counts come from the security log itself, so
they hold across processes and servers.
"""

from __future__ import annotations

from base64 import b32encode
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from cpahub.accounts.choices import TWO_FACTOR_ROLES, Outcome, SecurityEventType
from cpahub.core.permissions import scope_for

MAX_FAILURES = 5
BACKUP_CODE_COUNT = 10
TOTP_DEVICE_NAME = "authenticator"
BACKUP_DEVICE_NAME = "backup codes"


def requires_two_factor(user) -> bool:
    return scope_for(user).has_role(*TWO_FACTOR_ROLES)


def user_has_device(user) -> bool:
    """True when the user has a confirmed authenticator (backup codes alone do not count)."""
    if not getattr(user, "is_authenticated", False):
        return False
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def totp_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def pending_totp_device(user) -> TOTPDevice:
    """The unconfirmed device a set-up page shows; the same one on every reload until confirmed."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
    return device


def secret_text(device: TOTPDevice) -> str:
    """The base32 secret in groups of four, for typing into an app that cannot scan."""
    secret = b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_svg(uri: str) -> str:
    import segno

    return segno.make(uri, error="m").svg_inline(scale=5, dark="#000", light="#fff", border=2)


def backup_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def new_backup_codes(user) -> list[str]:
    """Replace the user's backup codes with ten new ones; the old ones stop working."""
    device, _created = StaticDevice.objects.get_or_create(
        user=user, name=BACKUP_DEVICE_NAME, defaults={"confirmed": True}
    )
    StaticDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.token_set.all().delete()
    codes = []
    while len(codes) < BACKUP_CODE_COUNT:
        code = StaticToken.random_token()
        if code not in codes:
            codes.append(code)
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def remove_devices(user) -> None:
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()


def normalise_code(code: str) -> str:
    return "".join(code.split()).replace("-", "").lower()


@dataclass(frozen=True)
class Check:
    device: object | None  # the device that accepted the code
    throttled_seconds: int = 0  # > 0: django-otp's own back-off refused to check at all

    @property
    def ok(self) -> bool:
        return self.device is not None


def check_code(user, code: str, *, allow_backup: bool = True) -> Check:
    """Check a 6-digit TOTP code or (if allowed) a backup code against the user's devices."""
    code = normalise_code(code)
    with transaction.atomic():
        if code.isdigit() and len(code) == 6:
            devices = list(TOTPDevice.objects.filter(user=user, confirmed=True).select_for_update())
        elif allow_backup and code:
            devices = list(StaticDevice.objects.filter(user=user, confirmed=True).select_for_update())
        else:
            devices = []
        wait = 0
        for device in devices:
            allowed, info = device.verify_is_allowed()
            if not allowed:
                until = (info or {}).get("locked_until")
                wait = max(wait, int((until - timezone.now()).total_seconds()) + 1 if until else 1)
                continue
            if device.verify_token(code):
                return Check(device)
        return Check(None, throttled_seconds=wait)


def lockout_window() -> timedelta:
    return timedelta(hours=settings.AXES_COOLOFF_TIME)


def _failure_times(user) -> list[datetime]:
    """Times of wrong codes inside the window and after the last success, newest first."""
    from cpahub.accounts.models import SecurityEvent

    start = timezone.now() - lockout_window()
    last_success = (
        SecurityEvent.objects.filter(
            user=user,
            time__gte=start,
            event__in=[
                SecurityEventType.TWO_FACTOR_VERIFIED,
                SecurityEventType.BACKUP_CODE_USED,
                SecurityEventType.TWO_FACTOR_ENABLED,
                SecurityEventType.TWO_FACTOR_DISABLED,
            ],
        )
        .order_by("-time")
        .values_list("time", flat=True)
        .first()
    )
    if last_success is not None:
        start = max(start, last_success)
    return list(
        SecurityEvent.objects.filter(
            user=user, event=SecurityEventType.TWO_FACTOR_FAILED, outcome=Outcome.FAILURE, time__gt=start
        )
        .order_by("-time")
        .values_list("time", flat=True)[:MAX_FAILURES]
    )


def locked_until(user) -> datetime | None:
    """When the second step opens again for this user, or None if it is open now."""
    times = _failure_times(user)
    if len(times) < MAX_FAILURES:
        return None
    return times[MAX_FAILURES - 1] + lockout_window()


def failures_left(user) -> int:
    return max(0, MAX_FAILURES - len(_failure_times(user)))
