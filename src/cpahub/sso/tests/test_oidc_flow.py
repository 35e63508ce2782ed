"""End to end against a real OpenID Connect provider (django-oauth-toolkit) on loopback.

The person's side is the Django test client for cpahub and an HTTP session for the provider; every
call between cpahub and the provider (discovery, JWKS, token, userinfo) goes over real HTTP.
"""

import base64
import hashlib
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import pytest
from django.contrib.auth import SESSION_KEY, get_user
from django.test import RequestFactory
from django.urls import reverse

from cpahub.accounts.choices import Outcome, Role, SecurityEventType
from cpahub.accounts.models import SecurityEvent, User
from cpahub.sso.backends import SSO_BACKEND
from cpahub.sso.models import SSOIdentity
from cpahub.sso.tests.conftest import sign_in_at_provider
from cpahub.sso.views import FLOWS_KEY, PENDING_KEY
from cpahub.testing.factories import UserFactory, user_with_role

pytestmark = pytest.mark.django_db

PASSWORD = "Passw0rd!2024"  # UserFactory's


def start(client, next_url="/home/"):
    response = client.get(reverse("sso:login", kwargs={"provider": "oidc"}), {"next": next_url})
    assert response.status_code == 302
    return response["Location"]


def come_back(client, oidc, username="alice"):
    """Start at cpahub, sign on at the provider, and follow the redirect back into cpahub."""
    authorize_url = start(client)
    callback = sign_in_at_provider(authorize_url, username, oidc.password(username))
    assert callback.startswith("http://testserver/sso/callback/oidc/?")
    return client.get(callback)


def events(kind):
    return list(SecurityEvent.objects.filter(event=kind).order_by("pk"))


def logged_in_user_id(client):
    return client.session.get(SESSION_KEY)


def test_authorization_request_has_state_nonce_and_s256_pkce(client, oidc):
    url = start(client)
    parts = urlsplit(url)
    query = {key: values[0] for key, values in parse_qs(parts.query).items()}
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == oidc.issuer + "/authorize/"
    flow = client.session[FLOWS_KEY][query["state"]]
    verifier_digest = hashlib.sha256(flow["code_verifier"].encode()).digest()
    assert query == {
        "response_type": "code",
        "client_id": "cpahub-test-client",
        "redirect_uri": "http://testserver/sso/callback/oidc/",
        "scope": "openid profile email phone",
        "state": flow["state"],
        "nonce": flow["nonce"],
        "code_challenge": base64.urlsafe_b64encode(verifier_digest).rstrip(b"=").decode(),
        "code_challenge_method": "S256",
    }
    assert flow["next_url"] == "/home/"
    assert len(flow["state"]) >= 40
    assert len(flow["nonce"]) >= 40


def test_linked_identity_logs_in(client, oidc):
    user = UserFactory(username="zhangli")
    identity = SSOIdentity.objects.create(provider="oidc", subject=oidc.subjects["alice"], user=user)

    response = come_back(client, oidc)

    assert response.status_code == 302
    assert response["Location"] == "/home/"
    assert logged_in_user_id(client) == str(user.pk)
    assert client.session["_auth_user_backend"] == SSO_BACKEND
    identity.refresh_from_db()
    assert identity.last_login_at is not None
    assert identity.claims == {
        "subject": oidc.subjects["alice"],
        "username": "alice",
        "name": "张丽",
        "email": "alice@idp.example",
        "phone": "13800000000",
        "iss": oidc.issuer,
    }
    [sso_login] = events(SecurityEventType.SSO_LOGIN)
    assert (sso_login.user_id, sso_login.outcome) == (user.pk, Outcome.SUCCESS)
    assert sso_login.detail == {"provider": "oidc", "subject": oidc.subjects["alice"]}
    [login] = events(SecurityEventType.LOGIN)
    assert login.detail == {"method": "sso:oidc"}
    # the session stays valid on the next request (the backend reloads the user)
    request = RequestFactory().get("/")
    request.session = client.session
    assert get_user(request) == user


def test_first_sign_on_links_after_password_then_logs_in_directly(client, oidc):
    user = UserFactory(username="zhangli")
    users_before = User.objects.count()

    response = come_back(client, oidc)

    assert response.status_code == 302
    assert response["Location"] == reverse("sso:link")
    assert logged_in_user_id(client) is None
    page = client.get(reverse("sso:link"))
    assert page.status_code == 200
    assert "张丽" in page.content.decode()
    assert "alice@idp.example" in page.content.decode()

    response = client.post(reverse("sso:link"), {"username": "zhangli", "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == "/home/"
    assert logged_in_user_id(client) == str(user.pk)
    identity = SSOIdentity.objects.get()
    assert (identity.provider, identity.subject, identity.user_id) == (
        "oidc",
        oidc.subjects["alice"],
        user.pk,
    )
    assert PENDING_KEY not in client.session
    [linked] = events(SecurityEventType.SSO_LINKED)
    assert (linked.user_id, linked.detail) == (
        user.pk,
        {"provider": "oidc", "subject": oidc.subjects["alice"]},
    )
    assert User.objects.count() == users_before

    client.logout()
    response = come_back(client, oidc)
    assert response.status_code == 302
    assert response["Location"] == "/home/"
    assert logged_in_user_id(client) == str(user.pk)
    assert len(events(SecurityEventType.SSO_LOGIN)) == 2


def test_wrong_password_does_not_link(client, oidc):
    UserFactory(username="zhangli")
    come_back(client, oidc)

    response = client.post(reverse("sso:link"), {"username": "zhangli", "password": "wrong-password-1A"})

    assert response.status_code == 200
    assert response.context["form"].errors
    assert SSOIdentity.objects.count() == 0
    assert logged_in_user_id(client) is None
    [failed] = events(SecurityEventType.LOGIN_FAILED)
    assert failed.username == "zhangli"
    assert PENDING_KEY in client.session  # they may try again


def test_link_attempts_are_locked_out_like_password_logins(client, oidc, settings):
    settings.AXES_FAILURE_LIMIT = 2
    UserFactory(username="zhangli")
    come_back(client, oidc)
    for _ in range(2):
        client.post(reverse("sso:link"), {"username": "zhangli", "password": "wrong-password-1A"})

    response = client.post(reverse("sso:link"), {"username": "zhangli", "password": PASSWORD})

    assert response.status_code == 429
    assert SSOIdentity.objects.count() == 0
    assert logged_in_user_id(client) is None


def test_cancel_refuses_and_creates_nothing(client, oidc):
    users_before = User.objects.count()
    come_back(client, oidc)

    response = client.post(reverse("sso:link"), {"cancel": "1"})

    assert response.status_code == 200
    assert response.context["reason"] == "cancelled"
    assert SSOIdentity.objects.count() == 0
    assert User.objects.count() == users_before
    assert logged_in_user_id(client) is None
    [refused] = events(SecurityEventType.SSO_REFUSED)
    assert refused.outcome == Outcome.FAILURE
    assert refused.detail == {"provider": "oidc", "reason": "cancelled", "subject": oidc.subjects["alice"]}
    assert client.get(reverse("sso:link")).status_code == 400  # nothing pending any more


def test_tampered_state_is_refused(client, oidc):
    UserFactory(username="zhangli")
    callback = sign_in_at_provider(start(client), "alice", oidc.password("alice"))
    parts = urlsplit(callback)
    query = {key: values[0] for key, values in parse_qs(parts.query).items()}
    query["state"] = query["state"][:-4] + "AAAA"

    response = client.get(urlunsplit(parts._replace(query=urlencode(query))))

    assert response.status_code == 400
    assert response.context["reason"] == "bad_state"
    assert logged_in_user_id(client) is None
    assert PENDING_KEY not in client.session
    [refused] = events(SecurityEventType.SSO_REFUSED)
    assert refused.detail == {"provider": "oidc", "reason": "bad_state", "subject": ""}


def test_replayed_callback_is_refused(client, oidc):
    user = UserFactory(username="zhangli")
    SSOIdentity.objects.create(provider="oidc", subject=oidc.subjects["alice"], user=user)
    callback = sign_in_at_provider(start(client), "alice", oidc.password("alice"))
    assert client.get(callback).status_code == 302
    client.logout()

    response = client.get(callback)

    assert response.status_code == 400
    assert response.context["reason"] == "bad_state"
    assert logged_in_user_id(client) is None


def test_deactivated_user_is_refused(client, oidc):
    user = UserFactory(username="zhangli", is_active=False)
    SSOIdentity.objects.create(provider="oidc", subject=oidc.subjects["alice"], user=user)

    response = come_back(client, oidc)

    assert response.status_code == 403
    assert response.context["reason"] == "deactivated"
    assert logged_in_user_id(client) is None
    [refused] = events(SecurityEventType.SSO_REFUSED)
    assert (refused.user_id, refused.detail["reason"]) == (user.pk, "deactivated")
    assert events(SecurityEventType.SSO_LOGIN) == []


def test_id_token_for_another_sign_on_is_refused(client, oidc):
    """The provider's ID token carries the nonce we sent; a different expected nonce must fail."""
    user = UserFactory(username="zhangli")
    SSOIdentity.objects.create(provider="oidc", subject=oidc.subjects["alice"], user=user)
    callback = sign_in_at_provider(start(client), "alice", oidc.password("alice"))
    session = client.session
    flows = session[FLOWS_KEY]
    for flow in flows.values():
        flow["nonce"] = "not-the-nonce-sent-to-the-provider"
    session[FLOWS_KEY] = flows
    session.save()

    response = client.get(callback)

    assert response.status_code == 403
    assert response.context["reason"] == "invalid_token"
    assert logged_in_user_id(client) is None


def test_wrong_client_secret_is_refused(client, oidc, settings):
    settings.OIDC_RP_CLIENT_SECRET = "not-the-secret"
    callback = sign_in_at_provider(start(client), "alice", oidc.password("alice"))

    response = client.get(callback)

    assert response.status_code == 403
    assert response.context["reason"] == "provider_error"
    assert logged_in_user_id(client) is None


def test_provider_error_is_refused(client, oidc):
    state = parse_qs(urlsplit(start(client)).query)["state"][0]

    response = client.get(
        reverse("sso:callback", kwargs={"provider": "oidc"}), {"state": state, "error": "access_denied"}
    )

    assert response.status_code == 403
    assert response.context["reason"] == "provider_error"
    [refused] = events(SecurityEventType.SSO_REFUSED)
    assert refused.detail["detail"] == "access_denied"


def test_identity_linked_to_another_account_meanwhile_is_refused(client, oidc):
    UserFactory(username="zhangli")
    other = UserFactory(username="other")
    come_back(client, oidc)
    SSOIdentity.objects.create(provider="oidc", subject=oidc.subjects["alice"], user=other)

    response = client.post(reverse("sso:link"), {"username": "zhangli", "password": PASSWORD})

    assert response.status_code == 403
    assert response.context["reason"] == "linked_to_another_user"
    assert SSOIdentity.objects.get().user_id == other.pk
    assert logged_in_user_id(client) is None


def test_account_already_linked_to_another_subject_is_refused(client, oidc):
    user = UserFactory(username="zhangli")
    SSOIdentity.objects.create(provider="oidc", subject=oidc.subjects["bob"], user=user)
    come_back(client, oidc)  # alice, not linked yet

    response = client.post(reverse("sso:link"), {"username": "zhangli", "password": PASSWORD})

    assert response.status_code == 403
    assert response.context["reason"] == "account_has_another_identity"
    assert list(SSOIdentity.objects.values_list("subject", flat=True)) == [oidc.subjects["bob"]]


def test_two_factor_roles_still_need_their_second_factor(client, oidc):
    user = user_with_role(Role.FIRM_ADMIN, username="firmadmin")
    SSOIdentity.objects.create(provider="oidc", subject=oidc.subjects["alice"], user=user)

    come_back(client, oidc)
    response = client.get("/home/")

    assert logged_in_user_id(client) == str(user.pk)
    assert response.status_code == 302
    assert urlsplit(response["Location"]).path == reverse("accounts:twofactor_setup")


def test_next_pointing_elsewhere_is_ignored(client, oidc, settings):
    user = UserFactory(username="zhangli")
    SSOIdentity.objects.create(provider="oidc", subject=oidc.subjects["alice"], user=user)
    authorize_url = start(client, next_url="https://evil.example/steal")

    response = client.get(sign_in_at_provider(authorize_url, "alice", oidc.password("alice")))

    assert response.status_code == 302
    assert response["Location"] == reverse(settings.LOGIN_REDIRECT_URL)


def test_disabled_provider_is_not_found(client, settings):
    settings.CPAHUB_OIDC_ENABLED = False
    assert client.get(reverse("sso:login", kwargs={"provider": "oidc"})).status_code == 404
    assert client.get(reverse("sso:callback", kwargs={"provider": "oidc"})).status_code == 404
