"""Users × actions × objects: the permission gate must give exactly these rows, nothing more.

Each table lists, per user, which objects of the world (see conftest) they may see or change.
A user missing from a table may do nothing with that model for that action.
"""

import pytest
from django.contrib.auth.models import AnonymousUser

from cpahub.core.permissions import CHANGE, DELETE, EXPORT, VIEW
from cpahub.registry.models import CPA, Firm, Penalty

ALL_FIRMS = {"A", "A1", "B"}
ALL_CPAS = {"A", "A1", "B", "none"}
ALL_PENALTIES = {"A_pub", "A_hidden", "B_hidden", "cpaA1_hidden"}

FIRM_VIEW = {
    "anonymous": ALL_FIRMS,
    "assoc_staff": ALL_FIRMS,
    "assoc_leader": ALL_FIRMS,
    "regulator": ALL_FIRMS,
    "city_nc": {"A"},
    "city_gz": {"A1", "B"},
    "admin_A": {"A", "A1"},
    "partner_A": {"A", "A1"},
    "auditor_A": {"A", "A1"},
    "cpa_A": {"A", "A1"},
    "admin_A1": {"A1"},
    "admin_B": {"B"},
}
FIRM_CHANGE = {
    "assoc_staff": ALL_FIRMS,
    "assoc_leader": ALL_FIRMS,
    "city_nc": {"A"},
    "city_gz": {"A1", "B"},
    "admin_A": {"A", "A1"},
    "admin_A1": {"A1"},
    "admin_B": {"B"},
}
CPA_VIEW = {
    "anonymous": ALL_CPAS,
    "assoc_staff": ALL_CPAS,
    "assoc_leader": ALL_CPAS,
    "regulator": ALL_CPAS,
    "city_nc": {"A"},
    "city_gz": {"A1", "B"},
    "admin_A": {"A", "A1"},
    "partner_A": {"A", "A1"},
    "auditor_A": {"A", "A1"},
    "cpa_A": {"A", "A1"},
    "admin_A1": {"A1"},
    "admin_B": {"B"},
}
CPA_CHANGE = {
    "assoc_staff": ALL_CPAS,
    "assoc_leader": ALL_CPAS,
    "city_nc": {"A"},
    "city_gz": {"A1", "B"},
    "admin_A": {"A", "A1"},
    "admin_A1": {"A1"},
    "admin_B": {"B"},
}
PENALTY_VIEW = {
    "anonymous": {"A_pub"},
    "assoc_staff": ALL_PENALTIES,
    "assoc_leader": ALL_PENALTIES,
    "regulator": ALL_PENALTIES,
    "city_nc": {"A_pub", "A_hidden"},
    "city_gz": {"A_pub", "B_hidden", "cpaA1_hidden"},
    "admin_A": {"A_pub", "A_hidden", "cpaA1_hidden"},
    "partner_A": {"A_pub", "A_hidden", "cpaA1_hidden"},
    "auditor_A": {"A_pub", "A_hidden", "cpaA1_hidden"},
    "cpa_A": {"A_pub", "A_hidden", "cpaA1_hidden"},
    "admin_A1": {"A_pub", "cpaA1_hidden"},
    "admin_B": {"A_pub", "B_hidden"},
    "bank": {"A_pub"},
    "entity": {"A_pub"},
    "sysadmin": {"A_pub"},
    "secadmin": {"A_pub"},
    "auditadmin": {"A_pub"},
}
PENALTY_CHANGE = {"assoc_staff": ALL_PENALTIES}

USERS = [
    "anonymous",
    "assoc_staff",
    "assoc_leader",
    "regulator",
    "city_nc",
    "city_gz",
    "admin_A",
    "partner_A",
    "auditor_A",
    "cpa_A",
    "admin_A1",
    "admin_B",
    "bank",
    "entity",
    "sysadmin",
    "secadmin",
    "auditadmin",
]

CASES = [
    (Firm, VIEW, "firms", FIRM_VIEW),
    (Firm, EXPORT, "firms", {k: v for k, v in FIRM_VIEW.items() if k != "anonymous"}),
    (Firm, CHANGE, "firms", FIRM_CHANGE),
    (Firm, DELETE, "firms", {}),
    (CPA, VIEW, "cpas", CPA_VIEW),
    (CPA, CHANGE, "cpas", CPA_CHANGE),
    (CPA, DELETE, "cpas", {"assoc_staff": ALL_CPAS}),
    (Penalty, VIEW, "penalties", PENALTY_VIEW),
    (Penalty, CHANGE, "penalties", PENALTY_CHANGE),
    (Penalty, DELETE, "penalties", PENALTY_CHANGE),
]


def _user(world, name):
    return AnonymousUser() if name == "anonymous" else world.users[name]


@pytest.mark.parametrize("username", USERS)
@pytest.mark.parametrize(
    ("model", "action", "attr", "table"),
    CASES,
    ids=lambda v: getattr(v, "__name__", v) if not isinstance(v, dict) else "",
)
def test_restrict_gives_exactly_the_allowed_rows(world, username, model, action, attr, table):
    objects = getattr(world, attr)
    names_by_pk = {obj.pk: name for name, obj in objects.items()}
    allowed = model.objects.restrict(_user(world, username), action).values_list("pk", flat=True)
    got = {names_by_pk[pk] for pk in allowed if pk in names_by_pk}
    assert got == table.get(username, set())


def test_deactivated_membership_loses_access(world):
    user = world.users["admin_A"]
    user.memberships.update(active=False)
    fresh = type(user).objects.get(pk=user.pk)
    assert not Firm.objects.restrict(fresh, VIEW).exists()


def test_inactive_user_sees_only_public_rows(world):
    user = world.users["assoc_staff"]
    user.is_active = False
    user.save()
    fresh = type(user).objects.get(pk=user.pk)
    assert set(Penalty.objects.restrict(fresh, VIEW).values_list("pk", flat=True)) == {
        world.penalties["A_pub"].pk
    }


def test_suspended_firm_membership_gives_nothing(world):
    org = world.firms["B"].organisation
    org.status = "suspended"
    org.save()
    fresh = type(world.users["admin_B"]).objects.get(pk=world.users["admin_B"].pk)
    assert not Firm.objects.restrict(fresh, CHANGE).exists()


def test_unknown_action_is_an_error(world):
    with pytest.raises(ValueError, match="unknown action"):
        Firm.objects.restrict(world.users["assoc_staff"], "frobnicate")
