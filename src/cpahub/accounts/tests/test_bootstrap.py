"""`cpahub bootstrap`: the provincial association and the three administrators of a fresh install."""

import re
from io import StringIO

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import CommandError, call_command

from cpahub.accounts import services
from cpahub.accounts.choices import OrgKind, Role, SecurityEventType
from cpahub.accounts.models import Membership, Organisation, SecurityEvent, User
from cpahub.accounts.tests.conftest import events
from cpahub.core.models import ObjectChange
from cpahub.testing import factories as f

pytestmark = pytest.mark.django_db

PROVINCE = "江西省注册会计师协会"
ARGS = ["--security-admin", "sec", "--system-admin", "sys", "--audit-admin", "aud"]


def bootstrap(*args, province=PROVINCE) -> str:
    out = StringIO()
    call_command("bootstrap", "--province-name", province, *(args or ARGS), stdout=out)
    return out.getvalue()


def printed_passwords(output: str) -> dict[str, str]:
    block = output.split("Initial passwords (shown once; hand them over securely):\n", 1)[1]
    return dict(re.findall(r"^  (\S+)\s+(\S+)$", block, flags=re.MULTILINE))


def test_fresh_install_gets_the_province_and_three_administrators():
    output = bootstrap()
    province = Organisation.objects.get()
    assert (province.kind, province.name, province.credit_code) == (
        OrgKind.PROVINCIAL_ASSOCIATION,
        PROVINCE,
        None,
    )
    roles = dict(Membership.objects.filter(active=True).values_list("user__username", "role"))
    assert roles == {"sec": "security_admin", "sys": "system_admin", "aud": "audit_admin"}
    assert set(Membership.objects.values_list("organisation_id", flat=True)) == {province.pk}
    passwords = printed_passwords(output)
    assert sorted(passwords) == ["aud", "sec", "sys"]
    assert len(set(passwords.values())) == 3
    for username, password in passwords.items():
        user = User.objects.get(username=username)
        assert user.check_password(password)
        assert user.must_change_password is True
        assert user.is_staff is (username == "sys")
        assert user.is_superuser is False
    assert f"Created the provincial association: {PROVINCE}" in output


def test_events_are_logged_as_the_system():
    bootstrap()
    created = events(SecurityEventType.ACCOUNT_CREATED)
    granted = events(SecurityEventType.ROLE_GRANTED)
    assert [(e.user_id, e.username, e.detail["target"], e.detail["via"]) for e in created] == [
        (None, "", "sec", "bootstrap"),
        (None, "", "sys", "bootstrap"),
        (None, "", "aud", "bootstrap"),
    ]
    assert [(e.user_id, e.detail["target"], e.detail["role"]) for e in granted] == [
        (None, "sec", "security_admin"),
        (None, "sys", "system_admin"),
        (None, "aud", "audit_admin"),
    ]
    change = ObjectChange.objects.get(content_type=ContentType.objects.get_for_model(Organisation))
    assert (change.action, change.user_id, change.after["name"]) == ("create", None, PROVINCE)


def test_running_again_changes_nothing_and_says_so():
    bootstrap()
    hashes = dict(User.objects.values_list("username", "password"))
    logged = SecurityEvent.objects.count()
    output = bootstrap()
    assert dict(User.objects.values_list("username", "password")) == hashes
    assert SecurityEvent.objects.count() == logged
    assert Organisation.objects.count() == 1
    assert Membership.objects.count() == 3
    assert f"The provincial association exists: {PROVINCE}\n" in output
    assert "sec exists and is Security administrator; not changed" in output
    assert "Initial passwords" not in output


@pytest.mark.parametrize(
    "args",
    [
        ["--security-admin", "same", "--system-admin", "same", "--audit-admin", "aud"],
        ["--security-admin", "sec", "--system-admin", "aud", "--audit-admin", "AUD"],
        ["--security-admin", "sec", "--system-admin", " ", "--audit-admin", "aud"],
    ],
)
def test_three_different_accounts_are_required(args):
    with pytest.raises(CommandError, match="three different accounts"):
        bootstrap(*args)
    assert not User.objects.exists()
    assert not Organisation.objects.exists()


def test_an_existing_province_is_kept_under_its_name():
    f.OrganisationFactory(kind=OrgKind.PROVINCIAL_ASSOCIATION, name="省注协", credit_code=None)
    output = bootstrap()
    assert list(Organisation.objects.values_list("name", flat=True)) == ["省注协"]
    assert "The provincial association exists: 省注协 (its name is not changed)" in output
    assert set(Membership.objects.values_list("organisation__name", flat=True)) == {"省注协"}


def test_an_existing_account_without_the_role_is_not_changed():
    existing = f.UserFactory(username="sys")
    output = bootstrap()
    existing.refresh_from_db()
    assert (existing.is_staff, existing.must_change_password) == (False, False)
    assert not Membership.objects.filter(user=existing).exists()
    assert "sys exists but is not System administrator at 江西省注册会计师协会; not changed" in output
    assert sorted(printed_passwords(output)) == ["aud", "sec"]


def test_new_administrators_must_change_the_password_first(client):
    bootstrap()
    client.force_login(User.objects.get(username="sec"))
    assert client.get("/accounts/profile/")["Location"] == "/accounts/password/?next=%2Faccounts%2Fprofile%2F"


def test_the_system_administrator_can_use_django_admin(client, login_verified):
    bootstrap()
    sysadmin = User.objects.get(username="sys")
    assert sysadmin.has_perm("accounts.view_user") and sysadmin.has_perm("accounts.view_membership")
    sysadmin.must_change_password = False
    sysadmin.save()
    login_verified(client, sysadmin)
    assert client.get("/admin/accounts/user/").status_code == 200
    assert client.get("/admin/accounts/membership/").status_code == 200
    # the other two are not staff, so the admin is closed to them
    login_verified(client, User.objects.get(username="sec"))
    assert client.get("/admin/accounts/user/").status_code == 302


def test_random_passwords_have_every_character_class():
    for _ in range(20):
        password = services.random_password()
        assert len(password) == 20
        assert re.search(r"[A-Z]", password) and re.search(r"[a-z]", password)
        assert re.search(r"[0-9]", password) and re.search(r"[^A-Za-z0-9]", password)


def test_the_service_refuses_a_wrong_role_map():
    with pytest.raises(ValueError, match="three administrator roles"):
        services.bootstrap(PROVINCE, {Role.SECURITY_ADMIN: "a", Role.SYSTEM_ADMIN: "b"})
