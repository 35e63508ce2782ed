"""Session rules of 等级保护 level 3: idle timeout, forced password change, required two-factor."""

import time

from django.conf import settings
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cpahub.accounts.choices import SecurityEventType

_LAST_SEEN = "cpahub_last_seen"

# Paths a user with a pending obligation (password change, 2FA set-up) may still open.
_ALWAYS_ALLOWED = ("/static/", "/i18n/", "/accounts/logout/", "/favicon.ico")


class IdleTimeoutMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = time.time()
            last = request.session.get(_LAST_SEEN)
            if last is not None and now - last > settings.CPAHUB_IDLE_TIMEOUT_SECONDS:
                from django.contrib import messages

                from cpahub.accounts.security import log_event

                log_event(SecurityEventType.SESSION_EXPIRED, user=user, request=request)
                logout(request)
                messages.info(request, _("You were logged out after a period of inactivity."))
                if request.path.startswith("/api/"):
                    return self.get_response(request)
                return redirect(f"{reverse(settings.LOGIN_URL)}?next={request.path}")
            request.session[_LAST_SEEN] = now
        return self.get_response(request)


class SecurityPolicyMiddleware:
    """Send users with an expired password or a missing required second factor to fix it first."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(_ALWAYS_ALLOWED)
            and not request.path.startswith("/api/")
            and request.session.get("cpahub_auth_method") != "token"
        ):
            target = self._obligation(request, user)
            if target and request.path != target:
                return redirect(target)
        return self.get_response(request)

    @staticmethod
    def _obligation(request, user) -> str | None:
        from cpahub.accounts.twofactor import requires_two_factor, user_has_device

        if _password_expired(user):
            return reverse("accounts:password_change")
        if requires_two_factor(user):
            if not user_has_device(user):
                return reverse("accounts:twofactor_setup")
            if not user.is_verified():
                return reverse("accounts:twofactor_verify")
        return None


def _password_expired(user) -> bool:
    if user.must_change_password:
        return True
    max_age = settings.CPAHUB_PASSWORD_MAX_AGE_DAYS
    if not max_age or user.password_changed_at is None or not user.has_usable_password():
        return False
    return (timezone.now() - user.password_changed_at).days >= max_age
