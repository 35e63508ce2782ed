import re

import pytest
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from cpahub.accounts import services, twofactor
from cpahub.accounts.choices import Outcome, Role, SecurityEventType
from cpahub.accounts.tests.conftest import PASSWORD, add_totp, code_for, events
from cpahub.testing import factories as f

VERIFY = "/accounts/2fa/verify/"
SETUP = "/accounts/2fa/setup/"


@pytest.fixture
def carol(db):
    user = f.UserFactory(username="carol")
    return user


def password_step(client, username="carol"):
    return client.post("/accounts/login/", {"username": username, "password": PASSWORD})


def test_user_with_a_device_goes_to_the_second_step(client, carol):
    add_totp(carol)
    response = password_step(client)
    assert response.status_code == 302
    assert response["Location"] == f"{VERIFY}?next=%2Fhome%2F"
    # half logged in: every page leads back to the second step
    response = client.get("/accounts/profile/")
    assert response.status_code == 302
    assert response["Location"] == f"{VERIFY}?next=%2Faccounts%2Fprofile%2F"


def test_session_api_calls_wait_for_the_second_step(client, carol):
    add_totp(carol)
    password_step(client)
    response = client.get("/api/schema/")
    assert response.status_code == 403
    assert response.json() == {"detail": "Complete the two-factor login step first."}


def test_right_code_completes_the_login(client, carol):
    device = add_totp(carol)
    password_step(client)
    response = client.post(VERIFY, {"code": code_for(device), "next": "/accounts/profile/"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/profile/"
    assert client.get("/accounts/profile/").status_code == 200
    [ok] = events(SecurityEventType.TWO_FACTOR_VERIFIED)
    assert (ok.user_id, ok.detail) == (carol.pk, {"method": "totp"})


def test_a_code_is_accepted_only_once(client, carol):
    device = add_totp(carol)
    code = code_for(device)
    password_step(client)
    client.post(VERIFY, {"code": code})
    client.post("/accounts/logout/")
    password_step(client)
    response = client.post(VERIFY, {"code": code})
    assert response.status_code == 200
    assert "_auth_user_id" in client.session
    assert client.get("/accounts/profile/").status_code == 302


def test_wrong_code_is_logged_and_counts_down(client, carol):
    device = add_totp(carol)
    password_step(client)
    wrong = f"{(int(code_for(device)) + 1) % 1_000_000:06d}"
    response = client.post(VERIFY, {"code": wrong})
    assert response.status_code == 200
    assert response.context["form"].errors["code"] == ["That code is not right. 4 attempts left."]
    [failed] = events(SecurityEventType.TWO_FACTOR_FAILED)
    assert (failed.user_id, failed.outcome, failed.detail) == (carol.pk, Outcome.FAILURE, {"stage": "login"})


def test_five_wrong_codes_lock_the_second_step(client, carol):
    device = add_totp(carol)
    password_step(client)
    for n in range(5):
        TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0)  # skip django-otp back-off
        response = client.post(VERIFY, {"code": "000000" if code_for(device) != "000000" else "111111"})
        if n < 4:
            assert response.status_code == 200
    assert response.status_code == 429
    assert "accounts/twofactor_locked.html" in [t.name for t in response.templates]
    assert "_auth_user_id" not in client.session  # logged out
    [locked] = events(SecurityEventType.LOCKED_OUT)
    assert (locked.user_id, locked.detail["stage"]) == (carol.pk, "two_factor")
    # the password still works, the second step stays locked even for the right code
    password_step(client)
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0)
    response = client.post(VERIFY, {"code": code_for(device)})
    assert response.status_code == 429
    assert not events(SecurityEventType.TWO_FACTOR_VERIFIED)
    assert twofactor.locked_until(carol) is not None


def test_lock_opens_when_the_failures_leave_the_window(client, carol):
    from datetime import timedelta

    from django.db import connection

    device = add_totp(carol)
    for _ in range(5):
        twofactor_failed = services.log_event(
            SecurityEventType.TWO_FACTOR_FAILED, user=carol, outcome=Outcome.FAILURE, stage="login"
        )
    assert twofactor.locked_until(carol) is not None
    old = twofactor_failed.time - timedelta(minutes=16)
    with connection.cursor() as cursor:  # time travel (no triggers in the test profile)
        cursor.execute("UPDATE accounts_securityevent SET time = %s", [old])
    assert twofactor.locked_until(carol) is None
    password_step(client)
    assert client.post(VERIFY, {"code": code_for(device)}).status_code == 302


def test_backup_code_works_once_and_is_logged(client, carol):
    add_totp(carol)
    codes = twofactor.new_backup_codes(carol)
    assert len(codes) == 10
    assert len(set(codes)) == 10
    password_step(client)
    response = client.post(VERIFY, {"code": codes[3].upper()})
    assert response.status_code == 302
    [used] = events(SecurityEventType.BACKUP_CODE_USED)
    assert used.detail == {"codes_left": 9}
    assert StaticToken.objects.filter(token=codes[3]).count() == 0
    client.post("/accounts/logout/")
    password_step(client)
    StaticDevice.objects.filter(user=carol).update(throttling_failure_count=0)
    response = client.post(VERIFY, {"code": codes[3]})
    assert response.status_code == 200
    assert len(events(SecurityEventType.TWO_FACTOR_FAILED)) == 1


def test_association_staff_without_device_must_set_up(client, people):
    client.force_login(people.assoc)
    response = client.get("/accounts/profile/")
    assert response.status_code == 302
    assert response["Location"] == f"{SETUP}?next=%2Faccounts%2Fprofile%2F"


def test_setup_page_shows_qr_and_secret_and_confirms(client, people):
    user = people.assoc
    client.force_login(user)
    response = client.get(SETUP)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<svg width="' in html
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    assert device.config_url.startswith("otpauth://totp/cpahub%3Aassoc?secret=")
    assert response.context["secret"].replace(" ", "") in device.config_url
    assert response.context["required"] is True
    # a reload shows the same secret
    assert client.get(SETUP).context["secret"] == response.context["secret"]
    response = client.post(SETUP, {"code": code_for(device)})
    assert response.status_code == 200
    assert "accounts/backup_codes.html" in [t.name for t in response.templates]
    codes = response.context["codes"]
    assert len(codes) == 10
    assert all(code in response.content.decode() for code in codes)
    device.refresh_from_db()
    assert device.confirmed is True
    assert [e.event for e in events(SecurityEventType.TWO_FACTOR_ENABLED)] == ["2fa_enabled"]
    assert events(SecurityEventType.BACKUP_CODES_CREATED)[0].detail == {"count": 10}
    # the session is verified now
    assert client.get("/accounts/profile/").status_code == 200


def test_setup_wrong_code(client, people):
    client.force_login(people.assoc)
    client.get(SETUP)
    response = client.post(SETUP, {"code": "12"})
    assert response.status_code == 200
    assert response.context["form"].errors["code"]
    assert not TOTPDevice.objects.filter(user=people.assoc, confirmed=True).exists()


def test_replacing_the_authenticator_keeps_one_device(client, carol, login_verified):
    old = login_verified(client, carol)
    twofactor.new_backup_codes(carol)
    response = client.get(SETUP)
    assert response.context["replacing"] is True
    new = TOTPDevice.objects.get(user=carol, confirmed=False)
    response = client.post(SETUP, {"code": code_for(new)})
    assert response.status_code == 302
    assert list(TOTPDevice.objects.filter(user=carol).values_list("pk", flat=True)) == [new.pk]
    assert not TOTPDevice.objects.filter(pk=old.pk).exists()
    assert twofactor.backup_codes_left(carol) == 10
    assert events(SecurityEventType.TWO_FACTOR_ENABLED)[0].detail == {"replaced": True}


def test_regenerating_backup_codes_invalidates_old_ones(client, carol, login_verified):
    login_verified(client, carol)
    old = twofactor.new_backup_codes(carol)
    response = client.post("/accounts/2fa/backup-codes/")
    assert response.status_code == 200
    new = response.context["codes"]
    assert len(new) == 10
    assert not set(old) & set(new)
    assert set(StaticToken.objects.filter(device__user=carol).values_list("token", flat=True)) == set(new)
    assert len(events(SecurityEventType.BACKUP_CODES_CREATED)) == 1
    assert response["Cache-Control"].startswith("max-age=0")


def test_optional_user_can_turn_two_factor_off_with_a_code(client, carol, login_verified):
    device = login_verified(client, carol)
    twofactor.new_backup_codes(carol)
    response = client.post(
        "/accounts/2fa/disable/", {"code": "999999" if code_for(device) != "999999" else "0"}
    )
    assert response.status_code == 302
    assert twofactor.user_has_device(carol)
    assert len(events(SecurityEventType.TWO_FACTOR_FAILED)) == 1
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0)
    client.post("/accounts/2fa/disable/", {"code": code_for(device)})
    assert not twofactor.user_has_device(carol)
    assert not StaticDevice.objects.filter(user=carol).exists()
    assert len(events(SecurityEventType.TWO_FACTOR_DISABLED)) == 1
    assert client.get("/accounts/profile/").status_code == 200


def test_required_user_cannot_turn_two_factor_off(client, people, login_verified):
    device = login_verified(client, people.admin_a)
    response = client.post("/accounts/2fa/disable/", {"code": code_for(device)})
    assert response.status_code == 403
    assert twofactor.user_has_device(people.admin_a)
    [denied] = events(SecurityEventType.PERMISSION_DENIED)
    assert denied.detail["path"] == "/accounts/2fa/disable/"
    with pytest.raises(Exception, match="cannot be turned off"):
        services.disable_two_factor(people.admin_a)


def test_verify_page_without_device_goes_on(client, carol):
    client.force_login(carol)
    response = client.get(VERIFY)
    assert response.status_code == 302
    assert response["Location"] == "/home/"


def test_requires_two_factor_by_role(people):
    required = {name for name, user in vars(people).items() if twofactor.requires_two_factor(user)}
    assert required == {
        "secadmin",
        "secadmin2",
        "sysadmin",
        "auditadmin",
        "assoc",
        "leader",
        "city",
        "admin_a",
        "admin_b",
    }


def test_secret_text_is_grouped_base32(carol):
    device = TOTPDevice.objects.create(user=carol, key="3132333435363738393031323334353637383930")
    assert twofactor.secret_text(device) == "GEZD GNBV GY3T QOJQ GEZD GNBV GY3T QOJQ"
    assert re.fullmatch(r"<svg[^>]*>.*</svg>", twofactor.qr_svg(device.config_url), re.S)


def test_role_granted_later_forces_setup(client, people, carol):
    client.force_login(carol)
    assert client.get("/accounts/profile/").status_code == 200
    services.grant_role(
        people.secadmin, carol, people.secadmin.memberships.first().organisation, Role.ASSOCIATION_STAFF
    )
    assert client.get("/accounts/profile/")["Location"].startswith(SETUP)
