"""An administrator resets a forgotten password: `services.reset_password` and its three buttons."""

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import password_validation
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from rest_framework.authtoken.models import Token

from cpahub.accounts import services
from cpahub.accounts.choices import Role, SecurityEventType
from cpahub.accounts.models import PasswordHistory, SecurityEvent
from cpahub.accounts.tests.conftest import PASSWORD, events
from cpahub.core.models import ObjectChange
from cpahub.testing import factories as f


def test_reset_sets_a_temporary_password_ends_sessions_and_tokens(orgs, people):
    victim = people.auditor_a
    Client().force_login(victim)
    bystander = Client()
    bystander.force_login(people.partner_a)
    Token.objects.create(user=victim)
    old_hash = victim.password

    password = services.reset_password(people.admin_a, victim)

    victim.refresh_from_db()
    assert victim.check_password(password) is True
    assert victim.check_password(PASSWORD) is False
    assert victim.must_change_password is True
    assert victim.password_changed_at is not None
    assert len(password) == services.TEMPORARY_PASSWORD_LENGTH == 14
    assert not set(password) & set("0O1lI")
    assert list(PasswordHistory.objects.filter(user=victim).values_list("password", flat=True)) == [old_hash]
    assert not Token.objects.filter(user=victim).exists()
    remaining = [s.get_decoded().get("_auth_user_id") for s in Session.objects.all()]
    assert remaining == [str(people.partner_a.pk)]
    [event] = events(SecurityEventType.PASSWORD_RESET)
    assert (event.user_id, event.username, event.outcome) == (people.admin_a.pk, "admin_a", "success")
    assert event.detail == {
        "target": "auditor_a",
        "target_id": victim.pk,
        "sessions_ended": 1,
        "tokens_deleted": 1,
        "failed_logins_cleared": 0,
    }


def test_the_password_is_recorded_nowhere(orgs, people):
    password = services.reset_password(people.secadmin, people.plain)
    logged = [str(e.detail) for e in SecurityEvent.objects.all()]
    logged += [f"{c.before} {c.after}" for c in ObjectChange.objects.all()]
    assert logged  # the reset is logged ...
    assert not [text for text in logged if password in text]  # ... without the password


def test_temporary_password_passes_the_rules_for_a_new_account():
    for _ in range(20):
        password = services.random_password(services.TEMPORARY_PASSWORD_LENGTH, readable=True)
        password_validation.validate_password(password)


def test_temporary_password_follows_a_longer_minimum(settings, people):
    settings.CPAHUB_PASSWORD_MIN_LENGTH = 18
    settings.AUTH_PASSWORD_VALIDATORS = [
        {
            "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
            "OPTIONS": {"min_length": 18},
        }
    ]
    assert len(services.reset_password(people.secadmin, people.plain)) == 18


@pytest.mark.parametrize(
    ("actor", "target", "allowed"),
    [
        ("admin_a", "auditor_a", True),
        ("admin_a", "partner_a", True),
        ("admin_a", "auditor_b", False),  # another firm's person
        ("admin_a", "admin_a", False),  # never oneself
        ("secadmin", "plain", True),  # an account without roles: the security administrator
        ("assoc", "plain", False),
        ("secadmin", "admin_a", True),
        ("secadmin", "secadmin2", True),
        ("secadmin", "secadmin", False),
        ("sysadmin", "secadmin", False),
        ("auditadmin", "secadmin", False),
        ("sysadmin", "auditor_a", False),
        ("assoc", "regulator", True),
        ("assoc", "city", True),
        ("assoc", "admin_a", False),  # firm roles are the firm's
        ("assoc", "sysadmin", False),  # nor the three administrators
        ("city", "admin_a", False),
        ("leader", "regulator", False),
    ],
)
def test_who_may_reset_whose_password(people, actor, target, allowed):
    actor, target = getattr(people, actor), getattr(people, target)
    if allowed:
        services.reset_password(actor, target)
        target.refresh_from_db()
        assert target.must_change_password is True
        return
    with pytest.raises(PermissionDenied, match="You may not reset this person's password"):
        services.reset_password(actor, target)
    target.refresh_from_db()
    assert (target.must_change_password, target.check_password(PASSWORD)) == (False, True)
    [refused] = events(SecurityEventType.PASSWORD_RESET)
    assert (refused.outcome, refused.user_id, refused.detail) == (
        "failure",
        actor.pk,
        {"reason": "You may not reset this person's password."},
    )


def test_a_deactivated_account_is_not_reset(people):
    services.deactivate_user(people.admin_a, people.auditor_a)
    with pytest.raises(ValidationError, match="The account is deactivated"):
        services.reset_password(people.admin_a, people.auditor_a)
    assert events(SecurityEventType.PASSWORD_RESET)[0].outcome == "failure"


def test_reset_lifts_the_lockout_and_the_next_login_must_change_it(client, people):
    for _ in range(5):
        client.post("/accounts/login/", {"username": "auditor_a", "password": "wrong"})
    assert client.post("/accounts/login/", {"username": "auditor_a", "password": PASSWORD}).status_code == 429
    password = services.reset_password(people.admin_a, people.auditor_a)
    assert events(SecurityEventType.PASSWORD_RESET)[0].detail["failed_logins_cleared"] == 1
    assert AccessAttempt.objects.filter(username="auditor_a").count() == 0
    response = client.post("/accounts/login/", {"username": "auditor_a", "password": password})
    assert response.status_code == 302
    assert client.get("/home/")["Location"] == "/accounts/password/?next=%2Fhome%2F"
    page = client.get("/accounts/password/")
    assert page.context["must_change"] is True
    # The temporary password itself cannot be kept.
    response = client.post(
        "/accounts/password/",
        {"old_password": password, "new_password1": password, "new_password2": password},
    )
    assert response.status_code == 200
    assert "new_password1" in response.context["form"].errors
    response = client.post(
        "/accounts/password/",
        {"old_password": password, "new_password1": "Fresh-Start-2025", "new_password2": "Fresh-Start-2025"},
    )
    assert response.status_code == 302
    assert client.get("/home/").status_code == 200


# --- The pages ----------------------------------------------------------------------------------


def _shown_once(response, person) -> str:
    assert response.status_code == 200
    assert response.templates[0].name == "accounts/password_reset_done.html"
    assert "no-store" in response["Cache-Control"]
    password = response.context["password"]
    person.refresh_from_db()
    assert person.check_password(password) is True
    assert password in response.content.decode()
    return password


def test_staff_page_button(client, people, login_verified):
    login_verified(client, people.admin_a)
    page = client.get(f"/accounts/staff/{people.auditor_a.pk}/").content.decode()
    assert f'action="/accounts/staff/{people.auditor_a.pk}/reset-password/"' in page
    response = client.post(f"/accounts/staff/{people.auditor_a.pk}/reset-password/")
    password = _shown_once(response, people.auditor_a)
    assert response.context["back_url"] == f"/accounts/staff/{people.auditor_a.pk}/"
    assert password not in str(dict(client.session))
    # Showing the page again resets again: the old temporary password is gone for good.
    assert client.get(f"/accounts/staff/{people.auditor_a.pk}/reset-password/").status_code == 405


def test_staff_page_other_firm_and_refusal(client, orgs, people, login_verified):
    login_verified(client, people.admin_a)
    assert client.post(f"/accounts/staff/{people.auditor_b.pk}/reset-password/").status_code == 404
    # partner_a also holds a role in firm B: firm A's administrator may no longer reset them.
    services.grant_role(people.admin_b, people.partner_a, orgs.firm_b, Role.CPA)
    response = client.post(f"/accounts/staff/{people.partner_a.pk}/reset-password/", follow=True)
    assert response.redirect_chain == [(f"/accounts/staff/{people.partner_a.pk}/", 302)]
    assert [str(m) for m in response.context["messages"]] == ["You may not reset this person's password."]
    people.partner_a.refresh_from_db()
    assert people.partner_a.must_change_password is False


def test_organisation_page_button(client, orgs, people, login_verified):
    login_verified(client, people.secadmin)
    url = f"/accounts/organisations/{orgs.regulator.pk}/"
    assert f'action="{url}people/{people.regulator.pk}/reset-password/"' in client.get(url).content.decode()
    response = client.post(f"{url}people/{people.regulator.pk}/reset-password/")
    _shown_once(response, people.regulator)
    assert response.context["back_url"] == url
    # Somebody who does not hold a role there is not found through this organisation.
    assert client.post(f"{url}people/{people.admin_a.pk}/reset-password/").status_code == 404


def test_organisation_page_offers_no_button_where_the_viewer_may_not(client, orgs, people, login_verified):
    login_verified(client, people.assoc)
    url = f"/accounts/organisations/{orgs.firm_a.pk}/"
    assert "reset-password" not in client.get(url).content.decode()
    response = client.post(f"{url}people/{people.auditor_a.pk}/reset-password/", follow=True)
    assert [str(m) for m in response.context["messages"]] == ["You may not reset this person's password."]


def test_csrf_is_required(people):
    client = Client(enforce_csrf_checks=True)
    f.login_verified(client, people.admin_a)
    response = client.post(f"/accounts/staff/{people.auditor_a.pk}/reset-password/")
    assert response.status_code == 403
    people.auditor_a.refresh_from_db()
    assert people.auditor_a.must_change_password is False
