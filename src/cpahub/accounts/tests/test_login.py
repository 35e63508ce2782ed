import pytest
from axes.models import AccessAttempt
from django.urls import reverse

from cpahub.accounts.choices import Outcome, SecurityEventType
from cpahub.accounts.tests.conftest import PASSWORD, events
from cpahub.testing import factories as f

LOGIN = "/accounts/login/"


@pytest.fixture
def alice(db):
    return f.UserFactory(username="alice")


def post_login(client, username, password, **extra):
    return client.post(LOGIN, {"username": username, "password": password}, **extra)


def test_login_url_names():
    assert reverse("accounts:login") == LOGIN
    assert reverse("accounts:logout") == "/accounts/logout/"
    assert reverse("accounts:password_change") == "/accounts/password/"
    assert reverse("accounts:twofactor_setup") == "/accounts/2fa/setup/"
    assert reverse("accounts:twofactor_verify") == "/accounts/2fa/verify/"
    assert reverse("accounts:profile") == "/accounts/profile/"
    assert reverse("accounts:staff") == "/accounts/staff/"
    assert reverse("accounts:security_log") == "/accounts/security-log/"


def test_login_page_has_the_form(client, db):
    response = client.get(LOGIN)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="username"' in html
    assert 'name="password"' in html
    assert 'type="submit"' in html
    assert response.templates[0].name == "accounts/login.html"


def test_right_password_logs_in_and_goes_home(client, alice):
    response = post_login(client, "alice", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:home")
    assert int(client.session["_auth_user_id"]) == alice.pk
    [login] = events(SecurityEventType.LOGIN)
    assert (login.user_id, login.username, login.outcome) == (alice.pk, "alice", Outcome.SUCCESS)


def test_login_follows_a_safe_next_only(client, alice):
    response = client.post(f"{LOGIN}?next=/accounts/profile/", {"username": "alice", "password": PASSWORD})
    assert response["Location"] == "/accounts/profile/"
    client.post("/accounts/logout/")
    response = client.post(f"{LOGIN}?next=https://evil.example/", {"username": "alice", "password": PASSWORD})
    assert response["Location"] == reverse("portal:home")


def test_wrong_password_is_refused_and_logged(client, alice):
    response = post_login(client, "alice", "wrong")
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert response.context["form"].errors["__all__"]
    [failed] = events(SecurityEventType.LOGIN_FAILED)
    assert (failed.username, failed.outcome, failed.user_id) == ("alice", Outcome.FAILURE, None)


def test_five_failures_lock_the_account_even_for_the_right_password(client, alice):
    for _ in range(4):
        assert post_login(client, "alice", "wrong").status_code == 200
    fifth = post_login(client, "alice", "wrong")
    assert fifth.status_code == 429
    sixth = post_login(client, "alice", PASSWORD)
    assert sixth.status_code == 429
    assert "_auth_user_id" not in client.session
    html = sixth.content.decode()
    assert 'data-testid="locked-out"' in html
    assert "15" in html  # minutes
    assert "alice" in html
    assert "accounts/locked_out.html" in [t.name for t in sixth.templates]
    assert 1 <= int(sixth["Retry-After"]) <= 15 * 60
    # one LOCKED_OUT per lockout, not one per refused attempt
    post_login(client, "alice", "wrong")
    [locked] = events(SecurityEventType.LOCKED_OUT)
    assert (locked.username, locked.outcome) == ("alice", Outcome.FAILURE)
    assert locked.detail["stage"] == "password"
    assert locked.detail["failures"] == 5
    assert not events(SecurityEventType.LOGIN)


def test_lockout_blocks_the_account_from_another_address(client, alice):
    for _ in range(5):
        post_login(client, "alice", "wrong", REMOTE_ADDR="10.0.0.1")
    response = post_login(client, "alice", PASSWORD, REMOTE_ADDR="10.0.0.2")
    assert response.status_code == 429
    assert response.context["account_locked"] is True


def test_lockout_blocks_the_address_for_other_accounts(client, alice):
    f.UserFactory(username="bob")
    for n in range(5):
        post_login(client, f"nobody{n}", "wrong", REMOTE_ADDR="10.0.0.9")
    response = post_login(client, "bob", PASSWORD, REMOTE_ADDR="10.0.0.9")
    assert response.status_code == 429
    assert response.context["address_locked"] is True
    assert response.context["account_locked"] is False
    assert "bob" not in [e.username for e in events(SecurityEventType.LOGIN)]
    # another address still gets in
    assert post_login(client, "bob", PASSWORD, REMOTE_ADDR="10.0.0.10").status_code == 302


def test_success_resets_the_failure_count(client, alice):
    for _ in range(4):
        post_login(client, "alice", "wrong")
    assert post_login(client, "alice", PASSWORD).status_code == 302
    assert AccessAttempt.objects.filter(username="alice").count() == 0


def test_logout_is_post_only_and_logged(client, alice):
    client.force_login(alice)
    assert client.get("/accounts/logout/").status_code == 405
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:index")
    assert "_auth_user_id" not in client.session
    [logout] = events(SecurityEventType.LOGOUT)
    assert logout.user_id == alice.pk


def test_deactivated_user_cannot_log_in(client, alice):
    alice.is_active = False
    alice.save()
    response = post_login(client, "alice", PASSWORD)
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_login_page_shows_the_sso_button_when_oidc_is_enabled(client, db, settings):
    settings.CPAHUB_OIDC_ENABLED = True
    settings.OIDC_OP_ISSUER = "https://id.example.cn"
    settings.OIDC_RP_CLIENT_ID = "cpahub"
    settings.OIDC_RP_CLIENT_SECRET = "secret"
    settings.CPAHUB_OIDC_LABEL = "Provincial identity"
    settings.CPAHUB_GATEWAY_SSO = {**settings.CPAHUB_GATEWAY_SSO, "enabled": False}
    html = client.get(f"{LOGIN}?next=/registry/").content.decode()
    assert 'data-testid="sso-buttons"' in html
    assert 'href="/sso/login/oidc/?next=%2Fregistry%2F" data-sso-provider="oidc"' in html
    assert "Provincial identity" in html
    # under the password form
    assert html.index('action="/accounts/login/"') < html.index('data-testid="sso-buttons"')


def test_login_page_has_no_sso_buttons_when_none_is_enabled(client, db, settings):
    settings.CPAHUB_OIDC_ENABLED = False
    settings.CPAHUB_GATEWAY_SSO = {**settings.CPAHUB_GATEWAY_SSO, "enabled": False}
    assert "sso-buttons" not in client.get(LOGIN).content.decode()
