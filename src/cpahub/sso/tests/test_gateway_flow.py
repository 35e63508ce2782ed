"""The signed gateway flow (赣政通-style) against a fake gateway on loopback."""

import json
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.contrib.auth import SESSION_KEY
from django.urls import reverse

from cpahub.accounts.choices import SecurityEventType
from cpahub.accounts.models import SecurityEvent
from cpahub.sso.models import SSOIdentity
from cpahub.sso.tests.fake_gateway import FakeGateway, GatewayState
from cpahub.testing.factories import UserFactory

pytestmark = pytest.mark.django_db

APP_ID = "cpahub-app-01"
APP_SECRET = "gateway-shared-secret-for-tests"
PERSON = {
    "user_id": "GZT-00012345",
    "account": "liming",
    "name": "李明",
    "mobile": "13912345678",
    "email": "",
    "id_card": "360102198501010011",
}


@pytest.fixture(params=["hmac-sm3", "hmac-sha256"])
def algorithm(request):
    return request.param


@pytest.fixture
def gateway(settings, algorithm):
    state = GatewayState(app_id=APP_ID, app_secret=APP_SECRET, algorithm=algorithm, person=dict(PERSON))
    with FakeGateway(state) as fake:
        settings.SITE_URL = "http://testserver"
        settings.CPAHUB_OIDC_ENABLED = False
        settings.CPAHUB_GATEWAY_SSO = {
            "enabled": True,
            "name": "赣政通",
            "authorize_url": fake.url + "/authorize",
            "token_url": fake.url + "/token",
            "userinfo_url": fake.url + "/userinfo",
            "app_id": APP_ID,
            "app_secret": APP_SECRET,
            "sign_algo": algorithm,
            "require_signed_replies": False,
            "fields": [],
        }
        yield fake


def sign_on(client):
    """Start at cpahub, pass the gateway (which has the person logged in) and come back."""
    response = client.get(reverse("sso:login", kwargs={"provider": "gateway"}), {"next": "/home/"})
    assert response.status_code == 302
    at_gateway = requests.get(response["Location"], allow_redirects=False, timeout=10)
    assert at_gateway.status_code == 302
    return client.get(at_gateway.headers["Location"])


def test_authorize_redirect_carries_app_id_redirect_uri_and_state(client, gateway):
    response = client.get(reverse("sso:login", kwargs={"provider": "gateway"}))
    parts = urlsplit(response["Location"])
    query = {key: values[0] for key, values in parse_qs(parts.query).items()}
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == gateway.url + "/authorize"
    assert set(query) == {"app_id", "redirect_uri", "response_type", "state"}
    assert query["app_id"] == APP_ID
    assert query["redirect_uri"] == "http://testserver/sso/callback/gateway/"
    assert query["response_type"] == "code"
    assert len(query["state"]) >= 40


def test_linked_person_logs_in_with_signed_calls(client, gateway):
    user = UserFactory(username="liming")
    SSOIdentity.objects.create(provider="gateway", subject="GZT-00012345", user=user)

    response = sign_on(client)

    assert response.status_code == 302
    assert response["Location"] == "/home/"
    assert client.session[SESSION_KEY] == str(user.pk)
    assert gateway.state.rejected == []
    (token_path, token_body, token_headers), (info_path, info_query, info_headers) = gateway.state.received
    assert token_path == "/token"
    assert json.loads(token_body) == {
        "app_id": APP_ID,
        "code": json.loads(token_body)["code"],
        "grant_type": "authorization_code",
        "redirect_uri": "http://testserver/sso/callback/gateway/",
    }
    assert token_headers["X-App-Id"] == APP_ID
    assert len(token_headers["X-Timestamp"]) == 13
    assert len(token_headers["X-Nonce"]) == 32
    assert info_path == "/userinfo"
    assert list(parse_qs(info_query)) == ["access_token", "app_id"]
    assert token_headers["X-Nonce"] != info_headers["X-Nonce"]
    [event] = SecurityEvent.objects.filter(event=SecurityEventType.SSO_LOGIN)
    assert event.detail == {"provider": "gateway", "subject": "GZT-00012345"}


def test_first_sign_on_links_and_keeps_no_id_number(client, gateway):
    user = UserFactory(username="liming")

    response = sign_on(client)
    assert response["Location"] == reverse("sso:link")
    response = client.post(reverse("sso:link"), {"username": "liming", "password": "Passw0rd!2024"})

    assert response.status_code == 302
    identity = SSOIdentity.objects.get()
    assert (identity.provider, identity.subject, identity.user_id) == ("gateway", "GZT-00012345", user.pk)
    assert identity.claims == {
        "subject": "GZT-00012345",
        "username": "liming",
        "name": "李明",
        "email": "",
        "phone": "13912345678",
    }


def test_reply_with_bad_signature_is_refused(client, gateway):
    user = UserFactory(username="liming")
    SSOIdentity.objects.create(provider="gateway", subject="GZT-00012345", user=user)
    gateway.state.corrupt_reply_signature = True

    response = sign_on(client)

    assert response.status_code == 403
    assert response.context["reason"] == "bad_signature"
    assert SESSION_KEY not in client.session
    [refused] = SecurityEvent.objects.filter(event=SecurityEventType.SSO_REFUSED)
    assert refused.detail["reason"] == "bad_signature"
    assert refused.detail["detail"] == "token: signature does not match"


def test_stale_reply_is_refused(client, gateway):
    gateway.state.reply_clock_offset_ms = -10 * 60 * 1000

    response = sign_on(client)

    assert response.status_code == 403
    assert response.context["reason"] == "bad_signature"


def test_requests_signed_with_the_wrong_secret_are_rejected_by_the_gateway(client, gateway, settings):
    settings.CPAHUB_GATEWAY_SSO = {**settings.CPAHUB_GATEWAY_SSO, "app_secret": "not-the-shared-secret"}

    response = sign_on(client)

    assert gateway.state.rejected == ["/token: bad signature"]
    assert response.status_code == 403
    assert response.context["reason"] == "provider_error"
    assert SESSION_KEY not in client.session


@pytest.mark.parametrize("required", [False, True])
def test_unsigned_replies_only_when_allowed(client, gateway, settings, required):
    settings.CPAHUB_GATEWAY_SSO = {**settings.CPAHUB_GATEWAY_SSO, "require_signed_replies": required}
    gateway.state.sign_replies = False

    response = sign_on(client)

    if required:
        assert response.status_code == 403
        assert response.context["reason"] == "bad_signature"
    else:
        assert response.status_code == 302
        assert response["Location"] == reverse("sso:link")


def test_field_names_can_be_changed_by_setting(client, gateway, settings):
    gateway.state.person = {"userId": "GZT-77", "realName": "赵六"}
    settings.CPAHUB_GATEWAY_SSO = {
        **settings.CPAHUB_GATEWAY_SSO,
        "fields": ["user_id=userId", "name=realName"],
    }

    response = sign_on(client)

    assert response["Location"] == reverse("sso:link")
    assert client.session["cpahub_sso_pending"]["claims"]["subject"] == "GZT-77"
    assert client.session["cpahub_sso_pending"]["claims"]["name"] == "赵六"


def test_reply_without_user_id_is_refused(client, gateway):
    gateway.state.person = {"name": "无名"}

    response = sign_on(client)

    assert response.status_code == 403
    assert response.context["reason"] == "provider_error"
