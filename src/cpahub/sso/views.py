"""Single sign-on pages: start at a provider, come back, then log in, link or refuse.

Session keys:
- `cpahub_sso_flows`: the attempts started here, by state (provider, nonce, PKCE verifier, ...);
  a callback must present one of these states, which is then used up.
- `cpahub_sso_pending`: verified claims of an identity not linked yet, waiting for the person to
  confirm with their cpahub password (or cancel), for CPAHUB_SSO_LINK_SECONDS.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import asdict

from django import forms
from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth.forms import AuthenticationForm
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from cpahub.core.context import current_request_id
from cpahub.sso import services
from cpahub.sso.backends import SSO_BACKEND
from cpahub.sso.providers import PKCE, Claims, Flow, SSOError, get_provider

FLOWS_KEY = "cpahub_sso_flows"
PENDING_KEY = "cpahub_sso_pending"
FLOW_SECONDS = 600  # from leaving for the provider to coming back
MAX_FLOWS = 5  # attempts remembered at once (several tabs)

REASONS = {
    "bad_state": _("This sign-on response does not belong to a sign-on started here, or it has expired."),
    "provider_error": _("The sign-on provider reported an error or gave an answer that cannot be used."),
    "unreachable": _("The sign-on provider could not be reached. Please try again later."),
    "invalid_token": _("The sign-on provider's answer could not be verified."),
    "bad_signature": _("The platform's reply did not carry a valid signature."),
    "deactivated": _("The account linked to this identity is deactivated."),
    "linked_to_another_user": _("This identity is already linked to another account."),
    "account_has_another_identity": _(
        "This account is already linked to another identity at this provider. "
        "Ask a security administrator to remove the old link first."
    ),
    "issuer_changed": _(
        "This identity was linked through a different identity provider. "
        "Ask a security administrator to remove the old link first."
    ),
    "cancelled": _("You cancelled. No account was linked and you are not logged in."),
    "link_expired": _("The time to confirm your account has run out. Please sign on again."),
}


class LinkForm(AuthenticationForm):
    """The person's existing cpahub username and password (through `authenticate`, so lockout applies)."""

    username = forms.CharField(
        label=_("cpahub username"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "username"})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-control"


def _safe_next(request, url: str | None) -> str:
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return ""


def _refused(request, provider: str, reason: str, *, subject="", user=None, detail="", status=403):
    services.refuse(
        provider=provider, reason=reason, request=request, subject=subject, user=user, detail=detail
    )
    context = {
        "reason": reason,
        "message": REASONS.get(reason, REASONS["provider_error"]),
        "reference": current_request_id(),
    }
    return render(request, "sso/refused.html", context, status=status)


def _log_in(request, user, provider: str, next_url: str):
    request.login_method = f"sso:{provider}"  # read by the LOGIN security event
    login(request, user, backend=SSO_BACKEND)
    return HttpResponseRedirect(next_url or resolve_url(settings.LOGIN_REDIRECT_URL))


@never_cache
@require_GET
def sso_login(request, provider):
    """Send the person to the provider with a fresh state, nonce and PKCE verifier."""
    backend = get_provider(provider)
    if backend is None:
        raise Http404
    state, nonce, pkce = secrets.token_urlsafe(32), secrets.token_urlsafe(32), PKCE.generate()
    try:
        url = backend.authorization_url(request, state, nonce, pkce)
    except SSOError as exc:
        return _refused(request, provider, exc.reason, detail=exc.detail)
    flow = Flow(
        provider=provider,
        state=state,
        nonce=nonce,
        code_verifier=pkce.verifier,
        redirect_uri=backend.redirect_uri(request),
        next_url=_safe_next(request, request.GET.get("next")),
        started=time.time(),
    )
    now = time.time()
    flows = {
        key: value
        for key, value in (request.session.get(FLOWS_KEY) or {}).items()
        if now - value.get("started", 0) < FLOW_SECONDS
    }
    flows[state] = asdict(flow)
    request.session[FLOWS_KEY] = dict(sorted(flows.items(), key=lambda kv: kv[1]["started"])[-MAX_FLOWS:])
    return HttpResponseRedirect(url)


def _take_flow(request, provider: str, state: str) -> Flow | None:
    flows = request.session.get(FLOWS_KEY) or {}
    data = flows.pop(state, None) if state else None
    request.session[FLOWS_KEY] = flows
    if data is None or data.get("provider") != provider or time.time() - data["started"] > FLOW_SECONDS:
        return None
    return Flow(**data)


@never_cache
@require_GET
def sso_callback(request, provider):
    """The provider's redirect back: verify, then log in a linked person or offer to link."""
    backend = get_provider(provider)
    if backend is None:
        raise Http404
    flow = _take_flow(request, provider, request.GET.get(backend.state_param, ""))
    if flow is None:
        return _refused(request, provider, "bad_state", status=400)
    error = request.GET.get(backend.error_param)
    code = request.GET.get(backend.code_param)
    if error or not code:
        return _refused(request, provider, "provider_error", detail=(error or "no code")[:100])
    try:
        claims = backend.complete(request, code, flow)
    except SSOError as exc:
        return _refused(request, provider, exc.reason, detail=exc.detail)

    identity = services.find_identity(provider, claims.subject)
    if identity is None:
        request.session.pop(PENDING_KEY, None)
        request.session[PENDING_KEY] = {
            "provider": provider,
            "claims": claims.to_dict(),
            "expires": time.time() + settings.CPAHUB_SSO_LINK_SECONDS,
            "next": flow.next_url,
        }
        return redirect("sso:link")
    user = identity.user
    linked_issuer, issuer = identity.claims.get("iss"), claims.raw.get("iss")
    if linked_issuer and issuer and linked_issuer != issuer:
        return _refused(request, provider, "issuer_changed", subject=claims.subject, user=user)
    if not user.is_active:
        return _refused(request, provider, "deactivated", subject=claims.subject, user=user)
    services.record_sign_on(identity, claims, request=request)
    return _log_in(request, user, provider, flow.next_url)


@never_cache
@require_http_methods(["GET", "POST"])
def sso_link(request):
    """First sign-on of an identity: confirm with an existing cpahub account, or cancel."""
    pending = request.session.get(PENDING_KEY)
    if not pending:
        return render(
            request,
            "sso/refused.html",
            {"reason": "link_expired", "message": REASONS["link_expired"], "reference": current_request_id()},
            status=400,
        )
    provider_name = pending["provider"]
    claims = Claims.from_dict(pending["claims"])
    backend = get_provider(provider_name)
    if backend is None or time.time() > pending["expires"]:
        request.session.pop(PENDING_KEY, None)
        return _refused(request, provider_name, "link_expired", subject=claims.subject)

    form = LinkForm(request)
    if request.method == "POST":
        if "cancel" in request.POST:
            request.session.pop(PENDING_KEY, None)
            return _refused(request, provider_name, "cancelled", subject=claims.subject, status=200)
        form = LinkForm(request, data=request.POST)
        if form.is_valid():
            user = form.get_user()
            request.session.pop(PENDING_KEY, None)
            try:
                services.link_identity(user=user, provider=provider_name, claims=claims, request=request)
            except services.LinkRefused as exc:
                return _refused(request, provider_name, exc.reason, subject=claims.subject, user=user)
            return _log_in(request, user, provider_name, pending.get("next", ""))
    context = {
        "form": form,
        "provider_label": backend.label,
        "claims": claims,
        "expires_in_minutes": max(1, int((pending["expires"] - time.time()) // 60)),
    }
    return render(request, "sso/link.html", context)
