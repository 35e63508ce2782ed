from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cpahub.accounts import services
from cpahub.accounts.choices import SecurityEventType
from cpahub.accounts.models import PasswordHistory
from cpahub.accounts.tests.conftest import PASSWORD, add_totp, code_for, events
from cpahub.testing import factories as f

NEW = "Neu-Passw0rt-2025"
CHANGE = "/accounts/password/"


@pytest.fixture
def dave(db):
    return f.UserFactory(username="dave", password_changed_at=timezone.now() - timedelta(days=10))


def test_change_password_keeps_history_and_logs(dave):
    old_hash = dave.password
    before = timezone.now()
    services.change_password(dave, NEW)
    dave.refresh_from_db()
    assert dave.check_password(NEW)
    assert dave.password_changed_at >= before
    assert dave.must_change_password is False
    assert list(PasswordHistory.objects.filter(user=dave).values_list("password", flat=True)) == [old_hash]
    [changed] = events(SecurityEventType.PASSWORD_CHANGED)
    assert changed.user_id == dave.pk


def test_change_password_clears_the_forced_flag(dave):
    dave.must_change_password = True
    dave.save()
    services.change_password(dave, NEW)
    dave.refresh_from_db()
    assert dave.must_change_password is False


@pytest.mark.parametrize(
    ("password", "code"),
    [
        ("short1!A", "password_too_short"),
        ("alllowercaseletters", "password_too_simple"),
        ("12345678901234", "password_entirely_numeric"),
        ("Qwerty123456", "password_too_common"),
        (PASSWORD, "password_reused"),
    ],
)
def test_weak_or_reused_passwords_are_refused(dave, password, code):
    with pytest.raises(ValidationError) as caught:
        services.change_password(dave, password)
    assert code in [error.code for error in caught.value.error_list]
    dave.refresh_from_db()
    assert dave.check_password(PASSWORD)
    assert not events(SecurityEventType.PASSWORD_CHANGED)


def test_the_current_and_last_five_passwords_cannot_come_back(dave):
    passwords = [f"Rotation-{n}-Pass!" for n in range(7)]
    for password in passwords[:6]:
        services.change_password(dave, password)
    assert PasswordHistory.objects.filter(user=dave).count() == 5
    for recent in passwords[:6]:  # current (5) and the five before it (0-4)
        with pytest.raises(ValidationError):
            services.change_password(dave, recent)
    services.change_password(dave, passwords[6])
    services.change_password(dave, passwords[0])  # now six changes ago: allowed again
    dave.refresh_from_db()
    assert dave.check_password(passwords[0])


def test_password_change_page(client, dave):
    client.force_login(dave)
    response = client.get(CHANGE)
    assert response.status_code == 200
    assert response.context["forced"] is False
    response = client.post(CHANGE, {"old_password": "wrong", "new_password1": NEW, "new_password2": NEW})
    assert response.context["form"].errors["old_password"] == ["Your current password is not correct."]
    response = client.post(
        CHANGE, {"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW + "x"}
    )
    assert response.context["form"].errors["new_password2"] == ["The two new passwords differ."]
    response = client.post(CHANGE, {"old_password": PASSWORD, "new_password1": "abc", "new_password2": "abc"})
    assert "new_password1" in response.context["form"].errors
    response = client.post(CHANGE, {"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW})
    assert response.status_code == 302
    assert response["Location"] == "/home/"
    dave.refresh_from_db()
    assert dave.check_password(NEW)
    # the session survives the change
    assert int(client.session["_auth_user_id"]) == dave.pk
    assert client.get("/accounts/profile/").status_code == 200


def test_expired_password_forces_the_change_page(client, dave):
    dave.password_changed_at = timezone.now() - timedelta(days=91)
    dave.save()
    client.force_login(dave)
    response = client.get("/accounts/profile/")
    assert response.status_code == 302
    assert response["Location"] == f"{CHANGE}?next=%2Faccounts%2Fprofile%2F"
    response = client.get(response["Location"])
    assert response.status_code == 200
    assert response.context["forced"] is True
    assert 'data-testid="password-forced"' in response.content.decode()
    response = client.post(
        f"{CHANGE}?next=/accounts/profile/",
        {"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW, "next": "/accounts/profile/"},
    )
    assert response["Location"] == "/accounts/profile/"
    assert client.get("/accounts/profile/").status_code == 200


def test_must_change_password_forces_the_change_page(client, dave):
    dave.must_change_password = True
    dave.save()
    client.force_login(dave)
    assert client.get("/accounts/profile/")["Location"].startswith(CHANGE)


def test_second_factor_comes_before_an_expired_password(client, dave):
    device = add_totp(dave)
    dave.password_changed_at = timezone.now() - timedelta(days=200)
    dave.save()
    client.post("/accounts/login/", {"username": "dave", "password": PASSWORD})
    assert client.get(CHANGE)["Location"].startswith("/accounts/2fa/verify/")
    client.post("/accounts/2fa/verify/", {"code": code_for(device)})
    assert client.get("/accounts/profile/")["Location"].startswith(CHANGE)


def test_user_created_by_service_has_password_date(db):
    user = services.create_user("erin", "Erin-Passw0rd!", display_name="Erin")
    assert user.password_changed_at is not None
    assert user.check_password("Erin-Passw0rd!")
    assert events(SecurityEventType.ACCOUNT_CREATED)[0].user_id == user.pk
