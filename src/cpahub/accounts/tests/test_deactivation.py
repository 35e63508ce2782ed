import pytest
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied, ValidationError
from rest_framework.authtoken.models import Token

from cpahub.accounts import services, twofactor
from cpahub.accounts.choices import Role, SecurityEventType
from cpahub.accounts.models import User
from cpahub.accounts.tests.conftest import add_totp, events
from cpahub.testing import factories as f


def test_deactivation_keeps_the_record_and_kills_access(client, orgs, people):
    victim = people.auditor_a
    client.force_login(victim)
    other = f.UserFactory()
    from django.test import Client

    Client().force_login(other)  # someone else's session survives
    Token.objects.create(user=victim)
    services.deactivate_user(people.admin_a, victim)
    victim.refresh_from_db()
    assert victim.is_active is False
    assert victim.deactivated_at is not None
    assert User.objects.filter(pk=victim.pk).exists()
    membership = victim.memberships.get()
    assert (membership.active, membership.ended is not None) == (False, True)
    assert not Token.objects.filter(user=victim).exists()
    remaining = [s.get_decoded().get("_auth_user_id") for s in Session.objects.all()]
    assert remaining == [str(other.pk)]
    assert client.get("/accounts/profile/").status_code == 302  # back to login
    [event] = events(SecurityEventType.ACCOUNT_DEACTIVATED)
    assert event.user_id == people.admin_a.pk
    assert event.detail == {
        "target": "auditor_a",
        "target_id": victim.pk,
        "memberships_ended": 1,
        "sessions_ended": 1,
        "tokens_deleted": 1,
    }


def test_firm_admin_deactivates_only_their_own_people(orgs, people):
    with pytest.raises(PermissionDenied):
        services.deactivate_user(people.admin_b, people.auditor_a)
    with pytest.raises(PermissionDenied):
        services.deactivate_user(people.admin_a, people.admin_a)
    assert events(SecurityEventType.ACCOUNT_DEACTIVATED)[0].outcome == "failure"


def test_person_with_roles_elsewhere_is_not_deactivated_by_one_firm(orgs, people):
    services.grant_role(people.admin_b, people.auditor_a, orgs.firm_b, Role.CPA)
    with pytest.raises(PermissionDenied):
        services.deactivate_user(people.admin_a, people.auditor_a)
    services.deactivate_user(people.secadmin, people.auditor_a)


def test_only_security_admin_deactivates_accounts_without_roles(people):
    with pytest.raises(PermissionDenied):
        services.deactivate_user(people.assoc, people.plain)
    services.deactivate_user(people.secadmin, people.plain)
    with pytest.raises(ValidationError):
        services.deactivate_user(people.secadmin, people.plain)


def test_security_admins_are_deactivated_only_by_another_security_admin(people):
    with pytest.raises(PermissionDenied):
        services.deactivate_user(people.assoc, people.secadmin)
    with pytest.raises(PermissionDenied):
        services.deactivate_user(people.secadmin, people.secadmin)
    services.deactivate_user(people.secadmin2, people.secadmin)


def test_reset_two_factor_by_the_firm_admin(orgs, people):
    add_totp(people.auditor_a)
    twofactor.new_backup_codes(people.auditor_a)
    with pytest.raises(PermissionDenied):
        services.reset_two_factor(people.admin_b, people.auditor_a)
    services.reset_two_factor(people.admin_a, people.auditor_a)
    assert not twofactor.user_has_device(people.auditor_a)
    assert twofactor.backup_codes_left(people.auditor_a) == 0
    ok = events(SecurityEventType.TWO_FACTOR_DISABLED, outcome="success")
    assert [e.detail["target"] for e in ok] == ["auditor_a"]
