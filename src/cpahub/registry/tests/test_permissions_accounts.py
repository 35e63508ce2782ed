"""Users × actions × objects for organisations, users, the change log and the security log."""

import pytest
from django.contrib.auth.models import AnonymousUser

from cpahub.accounts.models import Organisation, SecurityEvent, User
from cpahub.accounts.security import log_event
from cpahub.core.context import acting_as
from cpahub.core.models import ObjectChange
from cpahub.core.permissions import CHANGE, VIEW

from .test_permissions import USERS

FIRMS = {"A", "A1", "B"}
ASSOCIATIONS = {"province", "city_nc", "city_gz"}
EVERY_ORG = FIRMS | ASSOCIATIONS

ORG_VIEW = {
    "assoc_staff": EVERY_ORG,
    "assoc_leader": EVERY_ORG,
    "regulator": EVERY_ORG,
    "sysadmin": EVERY_ORG,
    "secadmin": EVERY_ORG,
    "auditadmin": EVERY_ORG,
    "city_nc": {"A", "city_nc"},
    "city_gz": {"A1", "B", "city_gz"},
    "admin_A": {"A", "A1"},
    "partner_A": {"A", "A1"},
    "auditor_A": {"A", "A1"},
    "cpa_A": {"A", "A1"},
    "admin_A1": {"A1"},
    "admin_B": {"B"},
}
ORG_CHANGE = {
    "assoc_staff": EVERY_ORG,
    "assoc_leader": EVERY_ORG,
    "city_nc": {"A"},
    "city_gz": {"A1", "B"},
    "admin_A": {"A", "A1"},
    "admin_A1": {"A1"},
    "admin_B": {"B"},
}


def _orgs(world):
    named = {name: firm.organisation for name, firm in world.firms.items()}
    named.update(world.orgs)
    return named


def _user(world, name):
    return AnonymousUser() if name == "anonymous" else world.users[name]


@pytest.mark.parametrize("username", USERS)
@pytest.mark.parametrize(("action", "table"), [(VIEW, ORG_VIEW), (CHANGE, ORG_CHANGE)])
def test_organisations(world, username, action, table):
    # Other organisations made by the user factory (regulator, bank, entity) are ignored here.
    names = {org.pk: name for name, org in _orgs(world).items()}
    got = {
        names[pk]
        for pk in Organisation.objects.restrict(_user(world, username), action).values_list("pk", flat=True)
        if pk in names
    }
    assert got == table.get(username, set())


USER_VIEW_FIRM_PEOPLE = {
    "admin_A": {"admin_A", "partner_A", "auditor_A", "cpa_A", "admin_A1"},
    "partner_A": {"admin_A", "partner_A", "auditor_A", "cpa_A", "admin_A1"},
    "auditor_A": {"admin_A", "partner_A", "auditor_A", "cpa_A", "admin_A1"},
    "cpa_A": {"admin_A", "partner_A", "auditor_A", "cpa_A", "admin_A1"},
    "admin_A1": {"admin_A1"},
    "admin_B": {"admin_B"},
}


@pytest.mark.parametrize("username", list(USER_VIEW_FIRM_PEOPLE))
def test_firm_people_see_only_their_firms_people(world, username):
    got = set(User.objects.restrict(world.users[username], VIEW).values_list("username", flat=True))
    assert got == USER_VIEW_FIRM_PEOPLE[username]


@pytest.mark.parametrize("username", ["bank", "entity", "regulator", "city_nc", "auditadmin"])
def test_others_see_only_themselves_among_users(world, username):
    got = set(User.objects.restrict(world.users[username], VIEW).values_list("username", flat=True))
    assert got == {username}


def test_change_log_follows_the_owning_firm(world):
    with acting_as(world.users["assoc_staff"]):
        for firm in world.firms.values():
            firm.chief_partner = "新负责人"
            firm.save()
    firm_changes = ObjectChange.objects.filter(content_type__model="firm", action="update")
    by_owner = {}
    for name in (
        "admin_A",
        "admin_A1",
        "admin_B",
        "partner_A",
        "city_nc",
        "city_gz",
        "assoc_staff",
        "auditadmin",
        "sysadmin",
        "regulator",
    ):
        visible = firm_changes.restrict(world.users[name], VIEW)
        by_owner[name] = {c.object_repr for c in visible}
    assert by_owner == {
        # a branch's changes belong to its head office
        "admin_A": {"甲会计师事务所", "甲会计师事务所赣州分所"},
        "admin_A1": set(),
        "admin_B": {"乙会计师事务所"},
        # partners read their firm's history (the firm's own records), like its administrator
        "partner_A": {"甲会计师事务所", "甲会计师事务所赣州分所"},
        "city_nc": {"甲会计师事务所", "甲会计师事务所赣州分所"},
        "city_gz": {"乙会计师事务所"},
        "assoc_staff": {"甲会计师事务所", "甲会计师事务所赣州分所", "乙会计师事务所"},
        "auditadmin": {"甲会计师事务所", "甲会计师事务所赣州分所", "乙会计师事务所"},
        "sysadmin": set(),
        "regulator": set(),
    }


@pytest.mark.parametrize("username", USERS)
def test_only_the_audit_administrator_reads_the_security_log(world, username):
    log_event("login", username="someone")
    visible = SecurityEvent.objects.restrict(_user(world, username), VIEW).exists()
    assert visible is (username == "auditadmin")
