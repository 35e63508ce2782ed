from rest_framework.authtoken.models import Token

from cpahub.accounts.choices import SecurityEventType
from cpahub.accounts.tests.conftest import events


def test_profile_shows_roles_and_two_factor(client, people, login_verified):
    login_verified(client, people.admin_a)
    response = client.get("/accounts/profile/")
    assert response.status_code == 200
    assert [str(m.organisation) for m in response.context["memberships"]] == ["甲会计师事务所"]
    assert response.context["has_device"] is True
    assert response.context["two_factor_required"] is True
    html = response.content.decode()
    assert "Firm administrator" in html
    assert "/accounts/2fa/disable/" not in html  # required: no off switch


def test_optional_user_without_device_is_offered_setup(client, people):
    client.force_login(people.plain)
    response = client.get("/accounts/profile/")
    assert response.context["has_device"] is False
    assert response.context["two_factor_required"] is False
    assert "/accounts/2fa/setup/" in response.content.decode()


def test_api_token_create_rotate_delete(client, people):
    client.force_login(people.plain)
    response = client.post("/accounts/profile/token/")
    assert response.status_code == 200
    key = response.context["new_token"]
    assert Token.objects.get(user=people.plain).key == key
    assert key in response.content.decode()
    assert key not in client.get("/accounts/profile/").content.decode()  # shown once
    response = client.post("/accounts/profile/token/")
    rotated = response.context["new_token"]
    assert rotated != key
    assert list(Token.objects.filter(user=people.plain).values_list("key", flat=True)) == [rotated]
    assert client.post("/accounts/profile/token/delete/")["Location"] == "/accounts/profile/"
    assert not Token.objects.filter(user=people.plain).exists()
    created = events(SecurityEventType.API_TOKEN_CREATED)
    assert [e.detail for e in created] == [{"rotated": False}, {"rotated": True}]
    assert len(events(SecurityEventType.API_TOKEN_DELETED)) == 1
    assert client.get("/accounts/profile/token/").status_code == 405


def test_token_authenticates_the_api(client, people):
    from django.test import RequestFactory

    from cpahub.core.api.authentication import ExpiringTokenAuthentication

    client.force_login(people.plain)
    key = client.post("/accounts/profile/token/").context["new_token"]
    request = RequestFactory().get("/api/", HTTP_AUTHORIZATION=f"Token {key}")
    user, token = ExpiringTokenAuthentication().authenticate(request)
    assert (user, token.key) == (people.plain, key)
