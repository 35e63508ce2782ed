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


def _identities(people):
    from cpahub.sso.models import SSOIdentity

    mine = SSOIdentity.objects.create(provider="oidc", subject="sub-plain", user=people.plain)
    theirs = SSOIdentity.objects.create(provider="oidc", subject="sub-other", user=people.auditor_a)
    return mine, theirs


def test_profile_lists_only_the_users_own_sso_links(client, people, settings):
    settings.CPAHUB_OIDC_ENABLED = True
    settings.CPAHUB_OIDC_LABEL = "Provincial identity"
    settings.CPAHUB_GATEWAY_SSO = {**settings.CPAHUB_GATEWAY_SSO, "enabled": False}
    mine, theirs = _identities(people)
    client.force_login(people.plain)
    response = client.get("/accounts/profile/")
    assert [i.pk for i in response.context["sso_identities"]] == [mine.pk]
    assert response.context["sso_identities"][0].provider_label == "Provincial identity"
    html = response.content.decode()
    assert f'action="/accounts/profile/sso/{mine.pk}/unlink/"' in html
    assert f"/accounts/profile/sso/{theirs.pk}/unlink/" not in html


def test_profile_without_sso_links_says_so(client, people):
    client.force_login(people.plain)
    response = client.get("/accounts/profile/")
    assert response.context["sso_identities"] == []
    assert "not linked to any sign-on provider" in response.content.decode()


def test_unlink_own_sso_identity(client, people):
    from cpahub.sso.models import SSOIdentity

    mine, theirs = _identities(people)
    client.force_login(people.plain)
    response = client.post(f"/accounts/profile/sso/{mine.pk}/unlink/", follow=True)
    assert response.redirect_chain == [("/accounts/profile/", 302)]
    assert "no longer linked to oidc" in response.content.decode()
    assert list(SSOIdentity.objects.values_list("pk", flat=True)) == [theirs.pk]
    [unlinked] = events(SecurityEventType.SSO_UNLINKED)
    assert (unlinked.user_id, unlinked.detail["subject"], unlinked.detail["account"]) == (
        people.plain.pk,
        "sub-plain",
        "plain",
    )


def test_unlink_is_post_only_and_never_reaches_another_users_link(client, people, login_verified):
    from cpahub.sso.models import SSOIdentity

    _mine, theirs = _identities(people)
    client.force_login(people.plain)
    assert client.get(f"/accounts/profile/sso/{theirs.pk}/unlink/").status_code == 405
    assert client.post(f"/accounts/profile/sso/{theirs.pk}/unlink/").status_code == 404
    # not even a security administrator, from their own account page
    login_verified(client, people.secadmin)
    assert client.post(f"/accounts/profile/sso/{theirs.pk}/unlink/").status_code == 404
    assert SSOIdentity.objects.filter(pk=theirs.pk).exists()
    assert events(SecurityEventType.SSO_UNLINKED) == []


def test_unlink_needs_the_csrf_token(people):
    from django.test import Client

    mine, _theirs = _identities(people)
    client = Client(enforce_csrf_checks=True)
    client.force_login(people.plain)
    assert client.post(f"/accounts/profile/sso/{mine.pk}/unlink/").status_code == 403
