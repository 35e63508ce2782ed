"""The user's own account page: memberships, two-factor status, API token."""

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from cpahub.accounts import services, twofactor
from cpahub.accounts.middleware import password_expired


def _token_of(user):
    from rest_framework.authtoken.models import Token

    return Token.objects.filter(user=user).first()


@never_cache
@login_required
def profile(request, new_token=None):
    user = request.user
    token = _token_of(user)
    memberships = (
        user.memberships.filter(active=True)
        .select_related("organisation")
        .order_by("organisation__name", "role")
    )
    context = {
        "memberships": memberships,
        "has_device": twofactor.user_has_device(user),
        "two_factor_required": twofactor.requires_two_factor(user),
        "backup_codes_left": twofactor.backup_codes_left(user),
        "token": token,
        "token_expires": token.created + timedelta(days=settings.CPAHUB_API_TOKEN_DAYS) if token else None,
        "token_days": settings.CPAHUB_API_TOKEN_DAYS,
        "new_token": new_token,
        "password_expired": password_expired(user),
        "password_max_age": settings.CPAHUB_PASSWORD_MAX_AGE_DAYS,
    }
    return render(request, "accounts/profile.html", context)


@never_cache
@require_POST
@login_required
def token_create(request):
    token = services.create_api_token(request.user, request=request)
    messages.success(request, _("Your new API token is shown below, once. Copy it now."))
    return profile(request, new_token=token.key)


@require_POST
@login_required
def token_delete(request):
    if services.delete_api_token(request.user, request=request):
        messages.success(request, _("Your API token has been deleted."))
    return redirect("accounts:profile")
