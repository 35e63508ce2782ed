import pytest
from django.core import mail

from cpahub.accounts.choices import Role, SecurityEventType
from cpahub.accounts.models import Invitation, User
from cpahub.accounts.tests.conftest import events

STAFF = "/accounts/staff/"


@pytest.mark.parametrize(
    "name", ["secadmin", "sysadmin", "auditadmin", "assoc", "city", "partner_a", "plain"]
)
def test_staff_page_is_for_firm_admins_only(client, people, login_verified, name):
    login_verified(client, getattr(people, name))
    response = client.get(STAFF)
    assert response.status_code == 403
    assert "403.html" in [t.name for t in response.templates]
    [denied] = events(SecurityEventType.PERMISSION_DENIED)
    assert denied.detail["path"] == STAFF


def test_anonymous_is_sent_to_login(client, db):
    assert client.get(STAFF)["Location"] == "/accounts/login/?next=/accounts/staff/"


def test_staff_list_shows_the_firm_and_its_branch_only(client, orgs, people, login_verified):
    from cpahub.testing import factories as f

    branch_person = f.user_with_role(Role.CPA, orgs.branch_a, username="branch_cpa")
    login_verified(client, people.admin_a)
    response = client.get(STAFF)
    assert response.status_code == 200
    names = sorted(person.username for person in response.context["people"])
    assert names == ["admin_a", "auditor_a", "branch_cpa", "partner_a"]
    assert branch_person.username in response.content.decode()
    assert "auditor_b" not in response.content.decode()


def test_staff_list_query_count_does_not_grow(client, orgs, people, login_verified):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from cpahub.testing import factories as f

    login_verified(client, people.admin_a)
    client.get(STAFF)
    with CaptureQueriesContext(connection) as few:
        client.get(STAFF)
    for n in range(10):
        f.user_with_role(Role.CPA, orgs.firm_a, username=f"extra{n}")
    with CaptureQueriesContext(connection) as many:
        response = client.get(STAFF)
    assert len(response.context["people"]) == 13
    assert len(many.captured_queries) == len(few.captured_queries)


def test_invite_shows_the_link_once_and_mails_it(
    client, orgs, people, login_verified, django_capture_on_commit_callbacks
):
    login_verified(client, people.admin_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            STAFF,
            {
                "organisation": orgs.firm_a.pk,
                "roles": ["manager"],
                "display_name": "孙八",
                "email": "sun@example.cn",
            },
        )
    assert response.status_code == 200
    link = response.context["new_link"]
    assert link.startswith("http://testserver/accounts/invite/")
    assert link in response.content.decode()
    [message] = mail.outbox
    assert link in message.body
    invitation = Invitation.objects.get()
    assert (invitation.roles, invitation.display_name) == (["manager"], "孙八")
    assert [i.pk for i in response.context["invitations"]] == [invitation.pk]
    # the link is not shown again
    assert link not in client.get(STAFF).content.decode()


def test_invite_cannot_target_another_firm(client, orgs, people, login_verified):
    login_verified(client, people.admin_a)
    response = client.post(STAFF, {"organisation": orgs.firm_b.pk, "roles": ["manager"]})
    assert response.context["form"].errors["organisation"]
    assert not Invitation.objects.exists()


def test_change_roles_of_a_person(client, orgs, people, login_verified):
    login_verified(client, people.admin_a)
    url = f"{STAFF}{people.auditor_a.pk}/"
    response = client.get(url)
    assert response.status_code == 200
    prefix = f"org{orgs.firm_a.pk}"
    response = client.post(url, {"organisation": orgs.firm_a.pk, f"{prefix}-roles": ["manager", "cpa"]})
    assert response.status_code == 302
    roles = sorted(people.auditor_a.memberships.filter(active=True).values_list("role", flat=True))
    assert roles == ["cpa", "manager"]


def test_last_admin_sees_a_message_not_a_crash(client, orgs, people, login_verified):
    login_verified(client, people.admin_a)
    url = f"{STAFF}{people.admin_a.pk}/"
    response = client.post(
        url, {"organisation": orgs.firm_a.pk, f"org{orgs.firm_a.pk}-roles": ["partner"]}, follow=True
    )
    assert response.status_code == 200
    assert "appoint another one first" in response.content.decode()
    assert people.admin_a.memberships.filter(role=Role.FIRM_ADMIN, active=True).exists()


def test_person_of_another_firm_is_not_found(client, people, login_verified):
    login_verified(client, people.admin_a)
    assert client.get(f"{STAFF}{people.auditor_b.pk}/").status_code == 404
    assert client.post(f"{STAFF}{people.auditor_b.pk}/deactivate/").status_code == 404
    assert User.objects.get(pk=people.auditor_b.pk).is_active


def test_deactivate_from_the_page(client, people, login_verified):
    login_verified(client, people.admin_a)
    response = client.post(f"{STAFF}{people.auditor_a.pk}/deactivate/")
    assert response["Location"] == STAFF
    assert User.objects.get(pk=people.auditor_a.pk).is_active is False
    listed = [p.username for p in client.get(STAFF).context["people"]]
    assert "auditor_a" not in listed
    listed = [p.username for p in client.get(f"{STAFF}?former=1").context["people"]]
    assert "auditor_a" in listed


def test_withdraw_invitation_from_the_page(client, orgs, people, login_verified):
    from cpahub.accounts import services

    services.create_invitation(people.admin_a, orgs.firm_a, [Role.CPA])
    invitation = Invitation.objects.get()
    login_verified(client, people.admin_b)
    assert client.post(f"{STAFF}invitations/{invitation.pk}/withdraw/").status_code == 404
    login_verified(client, people.admin_a)
    client.post(f"{STAFF}invitations/{invitation.pk}/withdraw/")
    invitation.refresh_from_db()
    assert invitation.revoked is True
