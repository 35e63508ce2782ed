from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from cpahub.accounts import services
from cpahub.accounts.choices import Role, SecurityEventType
from cpahub.accounts.models import Invitation, User
from cpahub.accounts.tests.conftest import events
from cpahub.core.crypto import sm3_hex
from cpahub.testing import factories as f

GOOD = "Invited-Passw0rd!"


@pytest.fixture
def invite(orgs, people):
    def make(**kwargs):
        args = {"roles": [Role.PARTNER, Role.CPA], "email": "", "name": "钱七"}
        args.update(kwargs)
        return services.create_invitation(people.admin_a, orgs.firm_a, args.pop("roles"), **args)

    return make


def test_invitation_stores_only_a_digest(orgs, people, invite):
    before = timezone.now()
    token = invite()
    invitation = Invitation.objects.get()
    assert len(token) >= 40
    assert invitation.token_digest == sm3_hex(token.encode())
    assert token not in str(Invitation.objects.values().get())
    assert invitation.roles == ["cpa", "partner"]
    assert invitation.invited_by == people.admin_a
    assert before + timedelta(days=7) <= invitation.expires <= timezone.now() + timedelta(days=7)
    assert services.invitation_path(token) == f"/accounts/invite/{token}/"
    [sent] = events(SecurityEventType.INVITATION_SENT)
    assert sent.detail == {
        "invitation_id": invitation.pk,
        "organisation_id": orgs.firm_a.pk,
        "roles": ["cpa", "partner"],
        "email": "",
    }
    assert mail.outbox == []


def test_invitation_is_mailed_when_an_address_is_given(invite, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        token = invite(email="qian@example.cn")
    [message] = mail.outbox
    assert message.to == ["qian@example.cn"]
    assert f"http://127.0.0.1:8000/accounts/invite/{token}/" in message.body


def test_accepting_creates_the_account_with_the_roles(orgs, people, invite):
    token = invite()
    user = services.accept_invitation(token, "qianqi", GOOD, email="qian@example.cn")
    assert user.check_password(GOOD)
    assert user.display_name == "钱七"
    assert user.password_changed_at is not None
    assert sorted(
        user.memberships.filter(active=True, organisation=orgs.firm_a).values_list("role", flat=True)
    ) == [
        "cpa",
        "partner",
    ]
    invitation = Invitation.objects.get()
    assert (invitation.accepted_by, invitation.usable) == (user, False)
    assert [e.detail["role"] for e in events(SecurityEventType.ROLE_GRANTED)] == ["cpa", "partner"]
    assert events(SecurityEventType.ROLE_GRANTED)[0].user_id == people.admin_a.pk
    [accepted] = events(SecurityEventType.INVITATION_ACCEPTED)
    assert (accepted.user_id, accepted.detail["invited_by"]) == (user.pk, "admin_a")
    assert events(SecurityEventType.ACCOUNT_CREATED)[0].user_id == user.pk
    with pytest.raises(ValidationError):
        services.accept_invitation(token, "again", GOOD)


def test_expired_or_withdrawn_invitations_do_not_work(people, invite):
    token = invite()
    Invitation.objects.update(expires=timezone.now() - timedelta(seconds=1))
    assert services.find_invitation(token) is None
    with pytest.raises(ValidationError):
        services.accept_invitation(token, "late", GOOD)
    token = invite()
    services.revoke_invitation(people.admin_a, Invitation.objects.order_by("-pk").first())
    with pytest.raises(ValidationError):
        services.accept_invitation(token, "late", GOOD)
    assert len(events(SecurityEventType.INVITATION_REVOKED)) == 1
    assert not User.objects.filter(username="late").exists()


def test_invitation_of_a_departed_inviter_is_void(people, invite):
    token = invite()
    services.deactivate_user(people.secadmin, people.admin_a)
    with pytest.raises(ValidationError):
        services.accept_invitation(token, "orphan", GOOD)


def test_who_may_invite(orgs, people):
    with pytest.raises(PermissionDenied):
        services.create_invitation(people.admin_a, orgs.firm_b, [Role.CPA])
    with pytest.raises(PermissionDenied):
        services.create_invitation(people.assoc, orgs.province, [Role.AUDIT_ADMIN])
    with pytest.raises(ValidationError):
        services.create_invitation(people.admin_a, orgs.firm_a, [])
    with pytest.raises(ValidationError):
        services.create_invitation(people.admin_a, orgs.firm_a, [Role.CITY_STAFF])
    services.create_invitation(people.secadmin, orgs.province, [Role.AUDIT_ADMIN])
    assert len(events(SecurityEventType.INVITATION_SENT, outcome="failure")) == 4


def test_weak_password_or_taken_name_is_refused(people, invite):
    token = invite()
    with pytest.raises(ValidationError):
        services.accept_invitation(token, "weak", "password")
    with pytest.raises(ValidationError):
        services.accept_invitation(token, "ADMIN_A", GOOD)
    assert Invitation.objects.get().usable


def test_invitation_page_flow(client, invite):
    token = invite()
    url = f"/accounts/invite/{token}/"
    response = client.get(url)
    assert response.status_code == 200
    assert response.context["form"].initial["display_name"] == "钱七"
    assert response.context["roles"] == ["CPA", "Partner"]
    response = client.post(
        url,
        {"username": "qianqi", "display_name": "钱七", "password1": "qianqi12", "password2": "qianqi12"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["password1"]
    response = client.post(
        url, {"username": "qianqi", "display_name": "钱七", "password1": GOOD, "password2": GOOD}
    )
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    assert User.objects.get(username="qianqi").memberships.count() == 2
    assert client.get(url).status_code == 404
    assert client.get("/accounts/invite/not-a-token/").status_code == 404


def test_logged_in_visitor_is_asked_to_log_out(client, people, invite):
    token = invite()
    client.force_login(people.plain)
    response = client.get(f"/accounts/invite/{token}/")
    assert response.context["logged_in"] is True
    assert "form" not in response.context


def test_approving_a_firm_application_can_invite_its_administrator(people):
    firm = f.FirmFactory().organisation
    token = services.create_invitation(people.assoc, firm, [Role.FIRM_ADMIN], email="boss@example.cn")
    user = services.accept_invitation(token, "boss", GOOD)
    assert user.memberships.get().role == Role.FIRM_ADMIN
