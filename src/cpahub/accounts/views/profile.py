"""The user's own account page: memberships, two-factor status, API token, single sign-on links."""

from datetime import timedelta

from django.apps import apps
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from cpahub.accounts import services, twofactor
from cpahub.accounts.middleware import password_expired
from cpahub.core.permissions import DELETE, VIEW


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
        "sso_enabled": apps.is_installed("cpahub.sso"),
        "sso_identities": _sso_identities(user),
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


def _provider_labels() -> dict[str, str]:
    from django.core.exceptions import ImproperlyConfigured

    from cpahub.sso.providers import enabled_providers

    try:
        return {name: str(provider.label) for name, provider in enabled_providers().items()}
    except ImproperlyConfigured:  # a misconfigured provider must not break the account page
        return {}


def _sso_identities(user) -> list:
    """The user's own links to single sign-on providers, each with its provider's label."""
    if not apps.is_installed("cpahub.sso"):
        return []
    from cpahub.sso.models import SSOIdentity

    labels = _provider_labels()
    identities = list(SSOIdentity.objects.restrict(user, VIEW).filter(user=user))
    for identity in identities:
        identity.provider_label = labels.get(identity.provider, identity.provider)
    return identities


@require_POST
@login_required
def sso_unlink(request, pk):
    """Remove one of the user's own sign-on links (`sso.services.unlink_identity` logs it)."""
    if not apps.is_installed("cpahub.sso"):
        raise Http404
    from cpahub.sso import services as sso_services
    from cpahub.sso.models import SSOIdentity

    # Only the person's own links: a security administrator's wider right to unlink is not used here.
    identity = SSOIdentity.objects.restrict(request.user, DELETE).filter(pk=pk, user=request.user).first()
    if identity is None:
        raise Http404
    label = _provider_labels().get(identity.provider, identity.provider)
    try:
        sso_services.unlink_identity(actor=request.user, identity=identity)
    except PermissionDenied:
        raise Http404 from None
    messages.success(request, _("Your account is no longer linked to %(provider)s.") % {"provider": label})
    return redirect("accounts:profile")
