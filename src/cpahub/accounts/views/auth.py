"""Login (with django-axes lockout), password change and accepting an invitation."""

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q, Sum
from django.shortcuts import redirect, render, resolve_url
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters

from cpahub.accounts import services
from cpahub.accounts.choices import Role
from cpahub.accounts.forms import AcceptInvitationForm, LoginForm, PasswordChangeForm
from cpahub.accounts.middleware import LOGOUT_REASON, password_expired
from cpahub.accounts.twofactor import user_has_device


def safe_next(request, default: str | None = None) -> str:
    """The `next` parameter if it points into this site, else `default` (the home page)."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default or resolve_url(settings.LOGIN_REDIRECT_URL)


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    form_class = LoginForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if self.request.session.pop(LOGOUT_REASON, None) == "idle":
            context["idle_logout"] = True
        return context

    def form_valid(self, form):
        response = super().form_valid(form)
        if user_has_device(form.get_user()):
            verify = resolve_url("accounts:twofactor_verify")
            return redirect(f"{verify}?{_next_query(self.get_success_url())}")
        return response


def _next_query(target: str) -> str:
    from urllib.parse import urlencode

    return urlencode({"next": target})


class LogoutView(auth_views.LogoutView):
    """POST only (Django's own rule); GET shows nothing to click by accident."""


def lockout_response(request, response=None, credentials=None, *args, **kwargs):
    """AXES_LOCKOUT_CALLABLE: a clear page, HTTP 429, saying what is locked and until when.

    The LOCKED_OUT security event is written by the `user_locked_out` receiver in security.py,
    once per lockout.
    """
    from axes.helpers import get_client_username, get_failure_limit
    from axes.models import AccessAttempt

    username = get_client_username(request, credentials) or ""
    address = getattr(request, "axes_ip_address", "") or ""
    cool_off = timedelta(hours=settings.AXES_COOLOFF_TIME)
    limit = get_failure_limit(request, credentials)
    recent = AccessAttempt.objects.filter(attempt_time__gte=timezone.now() - cool_off)

    def failures(q):
        return recent.filter(q).aggregate(n=Sum("failures_since_start"))["n"] or 0

    account_locked = bool(username) and failures(Q(username=username)) >= limit
    address_locked = bool(address) and failures(Q(ip_address=address)) >= limit
    if not account_locked and not address_locked:
        account_locked = bool(username)
        address_locked = not username
    last = recent.filter(Q(username=username) | Q(ip_address=address)).order_by("-attempt_time").first()
    until = (last.attempt_time if last else timezone.now()) + cool_off
    minutes = int(cool_off.total_seconds() // 60)
    page = render(
        request,
        "accounts/locked_out.html",
        {
            "locked_username": username,
            "account_locked": account_locked,
            "address_locked": address_locked,
            "address": address,
            "minutes": minutes,
            "until": until,
            "failure_limit": limit,
        },
        status=429,
    )
    page["Retry-After"] = str(max(1, int((until - timezone.now()).total_seconds())))
    return page


@sensitive_post_parameters("old_password", "new_password1", "new_password2")
@login_required
def password_change(request):
    user = request.user
    forced = password_expired(user)
    form = PasswordChangeForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.change_password(user, form.cleaned_data["new_password1"], request=request)
        except ValidationError as exc:
            form.add_error("new_password1", exc)
        else:
            update_session_auth_hash(request, user)
            messages.success(request, _("Your password has been changed."))
            return redirect(safe_next(request))
    return render(
        request,
        "accounts/password_change.html",
        {
            "form": form,
            "forced": forced,
            "must_change": user.must_change_password,
            "max_age_days": settings.CPAHUB_PASSWORD_MAX_AGE_DAYS,
            "next": request.GET.get("next", ""),
        },
    )


@sensitive_post_parameters("password1", "password2")
def invitation_accept(request, token):
    invitation = services.find_invitation(token)
    if invitation is None:
        return render(request, "accounts/invitation_invalid.html", status=404)
    context = {"invitation": invitation, "roles": [Role(role).label for role in invitation.roles]}
    if request.user.is_authenticated:
        return render(request, "accounts/invitation_accept.html", {**context, "logged_in": True})
    form = AcceptInvitationForm(
        request.POST or None,
        initial={"display_name": invitation.display_name, "email": invitation.email},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.accept_invitation(
                token,
                data["username"],
                data["password1"],
                display_name=data["display_name"],
                email=data["email"],
                phone=data["phone"],
                request=request,
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("Your account is ready. Log in with your user name and password."))
            return redirect("accounts:login")
    return render(request, "accounts/invitation_accept.html", {**context, "form": form})


def _form_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            field = "password1" if field == "password" else field
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)
