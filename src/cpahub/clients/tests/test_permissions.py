"""Users × actions × objects for clients, contacts and the blacklist; then the same over HTTP.

Firm A has a head office and a branch; firm B is another firm; the association sees no firm's
clients. A user missing from a table reaches nothing for that action.
"""

import pytest
from django.contrib.auth.models import AnonymousUser

from cpahub.clients.models import BlacklistEntry, Client, ClientContact
from cpahub.core.permissions import CHANGE, DELETE, EXPORT, VIEW
from cpahub.testing.clients import BlacklistEntryFactory, ContactFactory
from cpahub.testing.factories import login_verified
from cpahub.testing.practice import firm_world

pytestmark = pytest.mark.django_db

HEAD_A = ("admin_a", "partner_a", "quality_a", "manager_a", "auditor_a", "assistant_a", "finance_a")
MANAGERS_A = ("admin_a", "partner_a", "quality_a", "manager_a")
FIRM_A = {"client_a", "branch_client"}

CLIENT_VIEW = {
    **dict.fromkeys(HEAD_A, FIRM_A),
    "branch_manager": {"branch_client"},
    "branch_auditor": {"branch_client"},
    "partner_b": {"client_b"},
    "manager_b": {"client_b"},
}
CLIENT_CHANGE = {
    **dict.fromkeys(MANAGERS_A, FIRM_A),
    "branch_manager": {"branch_client"},
    "partner_b": {"client_b"},
    "manager_b": {"client_b"},
}
BLACKLIST_VIEW = {
    **{user: {"entry_a"} for user in HEAD_A},
    "branch_manager": {"entry_a"},
    "branch_auditor": {"entry_a"},
    "partner_b": {"entry_b"},
    "manager_b": {"entry_b"},
}
BLACKLIST_CHANGE = {
    "admin_a": {"entry_a"},
    "partner_a": {"entry_a"},
    "quality_a": {"entry_a"},
    "partner_b": {"entry_b"},
}
USERS = (*HEAD_A, "branch_manager", "branch_auditor", "partner_b", "manager_b", "assoc", "anonymous")


@pytest.fixture
def w():
    world = firm_world()
    world.anonymous = AnonymousUser()
    world.entry_a = BlacklistEntryFactory(firm=world.firm_a)
    world.entry_b = BlacklistEntryFactory(firm=world.firm_b)
    world.contacts = {
        "client_a": ContactFactory(client=world.client_a),
        "branch_client": ContactFactory(client=world.branch_client),
        "client_b": ContactFactory(client=world.client_b),
    }
    return world


def reached(w, model, user, action, names):
    objects = {name: getattr(w, name) for name in names}
    pks = set(model.objects.restrict(getattr(w, user), action).values_list("pk", flat=True))
    return {name for name, obj in objects.items() if obj.pk in pks}


@pytest.mark.parametrize("user", USERS)
def test_clients(w, user):
    names = ("client_a", "branch_client", "client_b")
    assert reached(w, Client, user, VIEW, names) == CLIENT_VIEW.get(user, set())
    assert reached(w, Client, user, EXPORT, names) == CLIENT_CHANGE.get(user, set())
    assert reached(w, Client, user, CHANGE, names) == CLIENT_CHANGE.get(user, set())
    assert reached(w, Client, user, DELETE, names) == CLIENT_CHANGE.get(user, set())


@pytest.mark.parametrize("user", USERS)
def test_contacts_follow_their_client(w, user):
    for action, table in ((VIEW, CLIENT_VIEW), (CHANGE, CLIENT_CHANGE)):
        pks = set(ClientContact.objects.restrict(getattr(w, user), action).values_list("pk", flat=True))
        assert {name for name, contact in w.contacts.items() if contact.pk in pks} == table.get(user, set())


@pytest.mark.parametrize("user", USERS)
def test_blacklist(w, user):
    names = ("entry_a", "entry_b")
    assert reached(w, BlacklistEntry, user, VIEW, names) == BLACKLIST_VIEW.get(user, set())
    assert reached(w, BlacklistEntry, user, CHANGE, names) == BLACKLIST_CHANGE.get(user, set())


def get(client, w, user, path):
    if user != "anonymous":
        login_verified(client, getattr(w, user))
    return client.get(path)


@pytest.mark.parametrize("user", USERS)
def test_pages(client, w, user):
    pk = w.client_a.pk
    expected_detail = 200 if "client_a" in CLIENT_VIEW.get(user, set()) else 404
    expected_edit = (
        200 if "client_a" in CLIENT_CHANGE.get(user, set()) else 403 if expected_detail == 200 else 404
    )
    may_add = user in (*MANAGERS_A, "branch_manager", "partner_b", "manager_b")
    may_blacklist = user in ("admin_a", "partner_a", "quality_a", "partner_b")
    if user == "anonymous":
        for path in (
            "/clients/",
            f"/clients/{pk}/",
            "/clients/add/",
            "/clients/blacklist/",
            "/clients/import/",
        ):
            assert client.get(path).status_code == 302
        assert client.get("/api/clients/clients/").status_code in (401, 403)
        return
    assert get(client, w, user, f"/clients/{pk}/").status_code == expected_detail
    assert client.get(f"/clients/{pk}/edit/").status_code == expected_edit
    assert client.get(f"/clients/contacts/{w.contacts['client_a'].pk}/edit/").status_code == expected_edit
    assert client.get("/clients/add/").status_code == (200 if may_add else 403)
    assert client.get("/clients/import/").status_code == (200 if may_add else 403)
    assert client.get("/clients/blacklist/add/").status_code == (200 if may_blacklist else 403)
    assert client.get(f"/api/clients/clients/{pk}/").status_code == (200 if expected_detail == 200 else 404)
    listed = client.get("/clients/")
    assert listed.status_code == 200
    shown = {
        name for name in ("client_a", "branch_client", "client_b") if getattr(w, name).name in listed.text
    }
    assert shown == CLIENT_VIEW.get(user, set())
    api = client.get("/api/clients/clients/").json()
    assert {row["name"] for row in api["results"]} == {
        getattr(w, n).name for n in CLIENT_VIEW.get(user, set())
    }
    blacklist = client.get("/clients/blacklist/")
    assert {n for n in ("entry_a", "entry_b") if getattr(w, n).name in blacklist.text} == BLACKLIST_VIEW.get(
        user, set()
    )


@pytest.mark.parametrize("user", USERS)
def test_api_writes(client, w, user):
    pk = w.client_a.pk
    if user != "anonymous":
        login_verified(client, getattr(w, user))
    response = client.patch(f"/api/clients/clients/{pk}/", {"notes": "复核"}, content_type="application/json")
    if "client_a" in CLIENT_CHANGE.get(user, set()):
        assert response.status_code == 200
    elif user == "anonymous":
        assert response.status_code in (401, 403)
    else:
        assert response.status_code == 404  # writes look only among the rows the user may change
    w.client_a.refresh_from_db()
    assert (w.client_a.notes == "复核") == ("client_a" in CLIENT_CHANGE.get(user, set()))
