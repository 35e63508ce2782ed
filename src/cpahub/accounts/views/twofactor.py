"""The second login step, setting up an authenticator, backup codes, turning 2FA off."""

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice

from cpahub.accounts import services, twofactor
from cpahub.accounts.choices import Outcome, SecurityEventType
from cpahub.accounts.forms import CodeForm
from cpahub.accounts.security import log_event
from cpahub.accounts.views.auth import safe_next


def _locked_page(request, until):
    minutes = max(1, int((until - timezone.now()).total_seconds() + 59) // 60)
    response = render(
        request,
        "accounts/twofactor_locked.html",
        {"until": until, "minutes": minutes, "failure_limit": twofactor.MAX_FAILURES},
        status=429,
    )
    response["Retry-After"] = str(max(1, int((until - timezone.now()).total_seconds())))
    return response


def _mark_verified(request, device) -> None:
    request.session.cycle_key()
    otp_login(request, device)


@never_cache
@login_required
def verify(request):
    user = request.user
    if not twofactor.user_has_device(user) or user.is_verified():
        return redirect(safe_next(request))
    until = twofactor.locked_until(user)
    if until is not None:
        return _locked_page(request, until)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        result = twofactor.check_code(user, form.cleaned_data["code"])
        if result.ok:
            _mark_verified(request, result.device)
            if isinstance(result.device, StaticDevice):
                left = twofactor.backup_codes_left(user)
                log_event(SecurityEventType.BACKUP_CODE_USED, user=user, request=request, codes_left=left)
                messages.warning(
                    request,
                    ngettext(
                        "You used a backup code; %(n)d is left. Make new ones on your account page.",
                        "You used a backup code; %(n)d are left. Make new ones on your account page.",
                        left,
                    )
                    % {"n": left},
                )
            else:
                log_event(SecurityEventType.TWO_FACTOR_VERIFIED, user=user, request=request, method="totp")
            return redirect(safe_next(request))
        if result.throttled_seconds:
            form.add_error(
                "code",
                ngettext(
                    "Too many codes in a short time; wait %(n)d second and try again.",
                    "Too many codes in a short time; wait %(n)d seconds and try again.",
                    result.throttled_seconds,
                )
                % {"n": result.throttled_seconds},
            )
        else:
            log_event(
                SecurityEventType.TWO_FACTOR_FAILED,
                user=user,
                outcome=Outcome.FAILURE,
                request=request,
                stage="login",
            )
            until = twofactor.locked_until(user)
            if until is not None:
                log_event(
                    SecurityEventType.LOCKED_OUT,
                    user=user,
                    outcome=Outcome.FAILURE,
                    request=request,
                    stage="two_factor",
                    failures=twofactor.MAX_FAILURES,
                )
                logout(request)
                return _locked_page(request, until)
            left = twofactor.failures_left(user)
            form.add_error(
                "code",
                ngettext(
                    "That code is not right. %(n)d attempt left.",
                    "That code is not right. %(n)d attempts left.",
                    left,
                )
                % {"n": left},
            )
    return render(request, "accounts/twofactor_verify.html", {"form": form, "next": safe_next(request)})


@never_cache
@login_required
def setup(request):
    user = request.user
    device = twofactor.pending_totp_device(user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = services.confirm_two_factor(user, device, form.cleaned_data["code"], request=request)
        if codes is None:
            form.add_error("code", _("That code is not right. Check the time on your phone and try again."))
        else:
            device.refresh_from_db()
            _mark_verified(request, device)
            messages.success(request, _("Two-factor authentication is on."))
            if codes:
                return render(
                    request,
                    "accounts/backup_codes.html",
                    {"codes": codes, "next": safe_next(request, "")},
                )
            return redirect(safe_next(request))
    return render(
        request,
        "accounts/twofactor_setup.html",
        {
            "form": form,
            "qr_svg": twofactor.qr_svg(device.config_url),
            "secret": twofactor.secret_text(device),
            "replacing": twofactor.user_has_device(user),
            "required": twofactor.requires_two_factor(user),
            "next": request.GET.get("next", ""),
        },
    )


@never_cache
@require_POST
@login_required
def backup_codes(request):
    try:
        codes = services.regenerate_backup_codes(request.user, request=request)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("accounts:profile")
    return render(request, "accounts/backup_codes.html", {"codes": codes, "regenerated": True})


@require_POST
@login_required
def disable(request):
    user = request.user
    form = CodeForm(request.POST)
    if twofactor.requires_two_factor(user):
        services.disable_two_factor(user, request=request)  # raises PermissionDenied → 403, logged
    if form.is_valid() and twofactor.check_code(user, form.cleaned_data["code"]).ok:
        services.disable_two_factor(user, request=request)
        messages.success(request, _("Two-factor authentication is off."))
    else:
        log_event(
            SecurityEventType.TWO_FACTOR_FAILED,
            user=user,
            outcome=Outcome.FAILURE,
            request=request,
            stage="disable",
        )
        messages.error(request, _("That code is not right; two-factor authentication is still on."))
    return redirect("accounts:profile")
