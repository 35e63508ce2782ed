"""Session rules of 等级保护 level 3: idle timeout, second factor, forced password change.

`SecurityPolicyMiddleware` also turns a `PermissionDenied` raised by any view into a
PERMISSION_DENIED security event before Django renders the 403 page (`403.html`).
"""

import time
from datetime import timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import logout
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cpahub.accounts.choices import SecurityEventType

_LAST_SEEN = "cpahub_last_seen"
# The last-seen time is written to the session at most this often. Writing it on every request
# would save the session (a database write with the default session engine) on every request,
# which serialises writers on SQLite under load. The price: the stored time may lag the real last
# request by up to this long, so an idle session can end up to a minute before the full timeout.
LAST_SEEN_RESOLUTION_SECONDS = 60
LOGOUT_REASON = "cpahub_logout_reason"
_SESSION_EXPIRY = "_session_expiry"  # where Django's SessionBase.set_expiry keeps a fixed expiry

# Paths a user with a pending obligation (password change, 2FA set-up) may still open.
_ALWAYS_ALLOWED = ("/static/", "/i18n/", "/accounts/logout/", "/favicon.ico")


def _with_next(url: str, request) -> str:
    if request.method != "GET" or request.path in ("/", url):
        return url
    return f"{url}?{urlencode({'next': request.get_full_path()})}"


class IdleTimeoutMiddleware:
    """Log out a session that has been idle longer than CPAHUB_IDLE_TIMEOUT_MINUTES.

    Correct to within LAST_SEEN_RESOLUTION_SECONDS (one minute): see that constant.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = time.time()
            last = request.session.get(_LAST_SEEN)
            if last is not None and now - last > settings.CPAHUB_IDLE_TIMEOUT_SECONDS:
                from cpahub.accounts.security import log_event

                log_event(
                    SecurityEventType.SESSION_EXPIRED,
                    user=user,
                    request=request,
                    idle_seconds=int(now - last),
                )
                logout(request)
                # The message framework is not set up yet at this point of the stack; the login
                # page reads this flag from the fresh (anonymous) session instead.
                request.session[LOGOUT_REASON] = "idle"
                if request.path.startswith("/api/"):
                    return self.get_response(request)
                return redirect(_with_next(reverse(settings.LOGIN_URL), request))
            if last is None or now - last >= LAST_SEEN_RESOLUTION_SECONDS:
                request.session[_LAST_SEEN] = now  # marks the session modified: saved after the view
            if _SESSION_EXPIRY not in request.session:
                # Fix the session's end at its first authenticated request: CPAHUB_SESSION_MAX_HOURS
                # (SESSION_COOKIE_AGE) later, active or not. Left relative, every save of the session
                # would push its expiry forward and an active session would never end.
                request.session.set_expiry(timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE))
        return self.get_response(request)


class SecurityPolicyMiddleware:
    """Send users with a pending obligation to fix it first, in this order:

    1. a user with a confirmed authenticator whose session has not passed the second step
       → `accounts:twofactor_verify` (session API calls get 403 until then);
    2. an expired password, or one an administrator asked to change → `accounts:password_change`;
    3. a user whose roles require two factors but who has no authenticator → `accounts:twofactor_setup`.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(_ALWAYS_ALLOWED)
            and request.session.get("cpahub_auth_method") != "token"
        ):
            if request.path.startswith("/api/"):
                if _needs_second_step(user):
                    return JsonResponse(
                        {"detail": _("Complete the two-factor login step first.")}, status=403
                    )
            else:
                target = self._obligation(user)
                if target and request.path != target:
                    return redirect(_with_next(target, request))
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, PermissionDenied):
            from cpahub.accounts.security import log_permission_denied

            log_permission_denied(request, reason=str(exception)[:300])
        return None  # Django renders 403.html

    @staticmethod
    def _obligation(user) -> str | None:
        from cpahub.accounts.twofactor import requires_two_factor, user_has_device

        if _needs_second_step(user):
            return reverse("accounts:twofactor_verify")
        if password_expired(user):
            return reverse("accounts:password_change")
        if requires_two_factor(user) and not user_has_device(user):
            return reverse("accounts:twofactor_setup")
        return None


def _needs_second_step(user) -> bool:
    from cpahub.accounts.twofactor import user_has_device

    is_verified = getattr(user, "is_verified", None)
    if is_verified is not None and is_verified():
        return False
    return user_has_device(user)


def password_expired(user) -> bool:
    if user.must_change_password:
        return True
    max_age = settings.CPAHUB_PASSWORD_MAX_AGE_DAYS
    if not max_age or user.password_changed_at is None or not user.has_usable_password():
        return False
    return (timezone.now() - user.password_changed_at).days >= max_age
