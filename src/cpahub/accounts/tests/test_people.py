"""The accounts list (`/accounts/people/`) and a person's page, for the security administrator and
association staff: finding accounts without a role and giving them one."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cpahub.accounts import services
from cpahub.accounts.choices import OrgStatus, Role, SecurityEventType
from cpahub.accounts.models import Membership
from cpahub.accounts.tests.conftest import events
from cpahub.core.navigation import menu_for
from cpahub.testing import factories as f

PEOPLE = "/accounts/people/"
WITHOUT_ROLE = f"{PEOPLE}?roles=none&active=yes"


def person_url(user) -> str:
    return f"{PEOPLE}{user.pk}/"


def usernames(response) -> list[str]:
    return [row["object"].username for row in response.context["table"].body()]


@pytest.fixture
def roleless(orgs, people):
    """Accounts that reach nothing: one never given a role, one whose only organisation is
    suspended; and a deactivated account without a role."""
    bank_staff = f.user_with_role(Role.CONFIRMER_STAFF, orgs.bank, username="bank_staff")
    services.update_organisation(people.assoc, orgs.bank, status=OrgStatus.SUSPENDED)
    gone = f.UserFactory(username="gone")
    services.deactivate_user(people.secadmin, gone)
    return bank_staff


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("secadmin", 200),
        ("assoc", 200),
        ("leader", 403),
        ("city", 403),
        ("admin_a", 403),
        ("sysadmin", 403),
        ("auditadmin", 403),
        ("plain", 403),
    ],
)
def test_who_lists_people(client, people, login_verified, name, status):
    login_verified(client, getattr(people, name))
    assert client.get(PEOPLE).status_code == status
    assert client.get(person_url(people.plain)).status_code == status
    if status == 403:
        assert events(SecurityEventType.PERMISSION_DENIED)[0].detail["path"] == PEOPLE


def test_anonymous_is_sent_to_login(client, people):
    assert client.get(PEOPLE)["Location"] == "/accounts/login/?next=/accounts/people/"


def test_people_without_a_role(client, people, roleless, login_verified):
    login_verified(client, people.secadmin)
    response = client.get(WITHOUT_ROLE)
    assert usernames(response) == ["bank_staff", "plain"]
    [bank_row, _plain_row] = response.context["table"].body()
    assert [cell["text"] for cell in bank_row["cells"]][1:] == [
        "bank_staff",
        "✓",
        "",
        "Confirming-party staff · 某银行南昌分行 (Suspended)",
    ]
    assert bank_row["cells"][0]["url"] == person_url(roleless)
    assert usernames(client.get(f"{PEOPLE}?roles=none&active=no")) == ["gone"]
    with_role = usernames(client.get(f"{PEOPLE}?roles=some"))
    assert "regulator" in with_role
    assert not {"bank_staff", "plain", "gone"} & set(with_role)
    assert len(usernames(client.get(PEOPLE))) == 16


def test_search_by_user_name_name_or_email(client, people, login_verified):
    login_verified(client, people.assoc)
    assert usernames(client.get(f"{PEOPLE}?q=SECADMIN")) == ["secadmin", "secadmin2"]
    assert usernames(client.get(f"{PEOPLE}?q=plain@example")) == ["plain"]


def test_the_list_query_count_does_not_grow(client, orgs, people, login_verified):
    login_verified(client, people.secadmin)
    client.get(PEOPLE)
    with CaptureQueriesContext(connection) as few:
        client.get(PEOPLE)
    for n in range(10):
        f.user_with_role(Role.CPA, orgs.firm_a, username=f"extra{n}")
    with CaptureQueriesContext(connection) as many:
        response = client.get(PEOPLE)
    assert len(usernames(response)) == 24
    assert len(many.captured_queries) == len(few.captured_queries)


def test_only_the_security_administrator_exports_accounts(client, people, login_verified):
    login_verified(client, people.secadmin)
    assert "export=csv" in client.get(PEOPLE).content.decode()
    response = client.get(f"{PEOPLE}?roles=none&export=csv")
    assert response.status_code == 200
    lines = b"".join(response.streaming_content if response.streaming else [response.content])
    text = lines.decode("utf-8-sig").splitlines()
    assert text[0] == "Name,User name,Active,Last login,Roles"
    assert [line.split(",")[1] for line in text[1:]] == ["plain"]
    [export] = events(SecurityEventType.EXPORT)
    assert (export.detail["what"], export.detail["rows"]) == ("accounts.User", 1)
    client.logout()
    login_verified(client, people.assoc)
    assert "export=csv" not in client.get(PEOPLE).content.decode()
    assert client.get(f"{PEOPLE}?export=csv").status_code == 404


@pytest.mark.parametrize(("name", "link"), [("secadmin", True), ("assoc", True), ("city", False)])
def test_organisation_list_links_to_people_without_a_role(client, people, login_verified, name, link):
    login_verified(client, getattr(people, name))
    page = client.get("/accounts/organisations/").content.decode()
    assert ('href="/accounts/people/?roles=none&amp;active=yes"' in page) is link


@pytest.mark.parametrize(
    ("name", "shown"),
    [("secadmin", True), ("assoc", True), ("city", False), ("admin_a", False), ("sysadmin", False)],
)
def test_menu_entry(people, name, shown):
    urls = [item["url"] for group in menu_for(getattr(people, name)) for item in group["items"]]
    assert (PEOPLE in urls) is shown


# --- A person's page ----------------------------------------------------------------------------


def test_person_page_for_the_security_administrator(client, people, roleless, login_verified):
    login_verified(client, people.secadmin)
    response = client.get(person_url(people.plain))
    page = response.content.decode()
    assert 'data-testid="no-role"' in page
    assert response.context["may_manage"] is True
    for action in ("reset-password", "reset-2fa", "deactivate"):
        assert f'action="{person_url(people.plain)}{action}/"' in page
    response = client.get(person_url(roleless))
    assert "某银行南昌分行" in response.content.decode()
    assert response.context["may_manage"] is True


def test_association_staff_see_no_buttons_for_an_account_without_roles(client, people, login_verified):
    login_verified(client, people.assoc)
    response = client.get(person_url(people.plain))
    assert response.context["may_manage"] is False
    assert "reset-password" not in response.content.decode()
    response = client.post(f"{person_url(people.plain)}deactivate/", follow=True)
    assert [str(m) for m in response.context["messages"]] == ["You may not deactivate this account."]
    people.plain.refresh_from_db()
    assert people.plain.is_active is True


def test_find_an_organisation_and_give_a_role(client, orgs, people, login_verified):
    login_verified(client, people.assoc)
    response = client.get(f"{person_url(people.plain)}?org=财政")
    assert [(p["organisation"].name, p["roles"]) for p in response.context["places"]] == [
        ("江西省财政厅", [("regulator_reader", "Regulator (read only)")])
    ]
    # Firms with an administrator offer association staff nothing to give.
    assert client.get(f"{person_url(people.plain)}?org=会计师事务所").context["places"] == []
    assert client.get(f"{person_url(people.plain)}?org=财").context["places"] == []  # two characters at least
    assert client.get(f"{person_url(people.plain)}?org=财政厅 ").context["find"] == "财政厅"
    response = client.post(
        f"/accounts/organisations/{orgs.regulator.pk}/grant/",
        {"username": "plain", "role": "regulator_reader", "next": person_url(people.plain)},
    )
    assert (response.status_code, response["Location"]) == (302, person_url(people.plain))
    membership = Membership.objects.get(user=people.plain, active=True)
    assert (membership.organisation_id, membership.role) == (orgs.regulator.pk, "regulator_reader")
    assert usernames(client.get(WITHOUT_ROLE)) == []


def test_grant_ignores_a_next_outside_the_site(client, orgs, people, login_verified):
    login_verified(client, people.assoc)
    response = client.post(
        f"/accounts/organisations/{orgs.regulator.pk}/grant/",
        {"username": "plain", "role": "regulator_reader", "next": "https://evil.example/"},
    )
    assert response["Location"] == f"/accounts/organisations/{orgs.regulator.pk}/"


def test_security_administrator_resets_a_password_from_the_person_page(client, people, login_verified):
    login_verified(client, people.secadmin)
    response = client.post(f"{person_url(people.plain)}reset-password/")
    assert response.status_code == 200
    assert response.context["back_url"] == person_url(people.plain)
    people.plain.refresh_from_db()
    assert people.plain.check_password(response.context["password"]) is True
    assert people.plain.must_change_password is True


def test_an_unknown_person_is_not_found(client, people, login_verified):
    login_verified(client, people.secadmin)
    assert client.get(f"{PEOPLE}999999/").status_code == 404
