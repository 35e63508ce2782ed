"""The grant matrix, 三员分立 and the life of a membership."""

import itertools
import threading

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from cpahub.accounts import services
from cpahub.accounts.choices import FIRM_ROLES, SEPARATED_ADMIN_ROLES, Outcome, Role, SecurityEventType
from cpahub.accounts.models import Membership, User
from cpahub.accounts.tests.conftest import events
from cpahub.core.models import ObjectChange
from cpahub.core.permissions import scope_for
from cpahub.testing import factories as f

# Every (organisation, role) pair that exists, by fixture attribute of `orgs`.
VALID = [
    ("province", Role.ASSOCIATION_LEADER),
    ("province", Role.ASSOCIATION_STAFF),
    ("province", Role.SYSTEM_ADMIN),
    ("province", Role.SECURITY_ADMIN),
    ("province", Role.AUDIT_ADMIN),
    ("city", Role.CITY_STAFF),
    ("regulator", Role.REGULATOR_READER),
    ("bank", Role.CONFIRMER_STAFF),
    ("entity", Role.ENTITY_STAFF),
    *[(firm, role) for firm in ("firm_a", "branch_a", "firm_b") for role in sorted(FIRM_ROLES)],
]
ASSOCIATION = {
    ("province", Role.ASSOCIATION_LEADER),
    ("province", Role.ASSOCIATION_STAFF),
    ("city", Role.CITY_STAFF),
    ("regulator", Role.REGULATOR_READER),
    ("bank", Role.CONFIRMER_STAFF),
}
EXPECTED = {
    "secadmin": set(VALID),
    "assoc": ASSOCIATION,
    "admin_a": {(firm, role) for firm in ("firm_a", "branch_a") for role in FIRM_ROLES},
    "admin_b": {("firm_b", role) for role in FIRM_ROLES},
    "sysadmin": set(),
    "auditadmin": set(),
    "leader": set(),
    "city": set(),
    "regulator": set(),
    "partner_a": set(),
    "plain": set(),
}


def test_grant_matrix(orgs, people):
    outcomes = {}
    for (actor_name, expected), (org_name, role) in itertools.product(EXPECTED.items(), VALID):
        actor = getattr(people, actor_name)
        target = f.UserFactory()
        try:
            services.grant_role(actor, target, getattr(orgs, org_name), role)
        except PermissionDenied:
            allowed = False
        else:
            allowed = True
        outcomes[(actor_name, org_name, role)] = allowed
        assert allowed == ((org_name, role) in expected), (actor_name, org_name, role)
    assert sum(outcomes.values()) == len(VALID) + len(ASSOCIATION) + 3 * len(FIRM_ROLES)


@pytest.mark.parametrize(
    ("org_name", "role"),
    [
        ("city", Role.FIRM_ADMIN),
        ("firm_a", Role.CITY_STAFF),
        ("entity", Role.CPA),
        ("firm_a", Role.SECURITY_ADMIN),
        ("firm_a", "wizard"),
    ],
)
def test_role_must_fit_the_organisation(orgs, people, org_name, role):
    with pytest.raises(ValidationError):
        services.grant_role(people.secadmin, f.UserFactory(), getattr(orgs, org_name), role)


@pytest.mark.parametrize(("held", "wanted"), list(itertools.permutations(sorted(SEPARATED_ADMIN_ROLES), 2)))
def test_separation_of_duties_every_pair(orgs, people, held, wanted):
    target = f.UserFactory()
    services.grant_role(people.secadmin, target, orgs.province, held)
    with pytest.raises(ValidationError) as caught:
        services.grant_role(people.secadmin, target, orgs.province, wanted)
    assert caught.value.code == "separation_of_duties"
    assert list(Membership.objects.filter(user=target, active=True).values_list("role", flat=True)) == [held]
    refused = events(SecurityEventType.ROLE_GRANTED, outcome=Outcome.FAILURE)
    assert len(refused) == 1
    assert refused[0].user_id == people.secadmin.pk


@pytest.mark.parametrize(("first", "second"), list(itertools.combinations(sorted(SEPARATED_ADMIN_ROLES), 2)))
def test_separation_of_duties_in_invitations(orgs, people, first, second):
    with pytest.raises(ValidationError):
        services.create_invitation(people.secadmin, orgs.province, [first, second])


def test_separation_holds_after_revocation_only(orgs, people):
    target = f.UserFactory()
    m = services.grant_role(people.secadmin, target, orgs.province, Role.AUDIT_ADMIN)
    services.revoke_role(people.secadmin, m)
    services.grant_role(people.secadmin, target, orgs.province, Role.SYSTEM_ADMIN)
    assert scope_for(target).has_role(Role.SYSTEM_ADMIN)


@pytest.mark.django_db(transaction=True)
def test_concurrent_grants_cannot_both_pass(orgs, people):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one writer at a time (IMMEDIATE transactions); the race needs PostgreSQL")
    target = f.UserFactory()
    barrier = threading.Barrier(2)
    results = {}

    def grant(role):
        from django.db import connections

        try:
            barrier.wait()
            services.grant_role(people.secadmin, target, orgs.province, role)
            results[role] = "granted"
        except ValidationError:
            results[role] = "refused"
        finally:
            connections.close_all()

    threads = [threading.Thread(target=grant, args=(role,)) for role in (Role.SYSTEM_ADMIN, Role.AUDIT_ADMIN)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results.values()) == ["granted", "refused"]
    assert Membership.objects.filter(user=target, active=True, role__in=SEPARATED_ADMIN_ROLES).count() == 1


def test_nobody_grants_themselves_a_role(orgs, people):
    with pytest.raises(PermissionDenied):
        services.grant_role(people.secadmin, people.secadmin, orgs.firm_a, Role.PARTNER)
    with pytest.raises(PermissionDenied):
        services.grant_role(people.admin_a, people.admin_a, orgs.firm_a, Role.PARTNER)


def test_security_admin_cannot_change_their_own_admin_role(orgs, people):
    own = people.secadmin.memberships.get(role=Role.SECURITY_ADMIN)
    with pytest.raises(PermissionDenied):
        services.revoke_role(people.secadmin, own)
    services.revoke_role(people.secadmin2, own)
    own.refresh_from_db()
    assert own.active is False


def test_association_staff_cannot_revoke_admin_roles(people):
    with pytest.raises(PermissionDenied):
        services.revoke_role(people.assoc, people.auditadmin.memberships.get())


def test_grant_is_recorded_everywhere(orgs, people):
    target = f.UserFactory(username="newbie")
    membership = services.grant_role(people.admin_a, target, orgs.firm_a, Role.MANAGER)
    assert scope_for(User.objects.get(pk=target.pk)).has_role(Role.MANAGER) is True
    [granted] = events(SecurityEventType.ROLE_GRANTED)
    assert granted.user_id == people.admin_a.pk
    assert granted.detail == {
        "target": "newbie",
        "target_id": target.pk,
        "organisation_id": orgs.firm_a.pk,
        "role": "manager",
        "membership_id": membership.pk,
    }
    change = ObjectChange.objects.get(
        content_type=ContentType.objects.get_for_model(Membership), object_id=str(membership.pk)
    )
    assert (change.action, change.user_id, change.after["role"]) == ("create", people.admin_a.pk, "manager")


def test_grant_forgets_the_cached_scope_of_the_same_object(orgs, people):
    target = f.UserFactory()
    assert not scope_for(target).has_role(Role.MANAGER)
    services.grant_role(people.admin_a, target, orgs.firm_a, Role.MANAGER)
    assert scope_for(target).has_role(Role.MANAGER)


def test_duplicate_grant_is_refused(orgs, people):
    with pytest.raises(ValidationError):
        services.grant_role(people.admin_a, people.auditor_a, orgs.firm_a, Role.STAFF_AUDITOR)


def test_revoke_ends_the_membership_and_logs(orgs, people):
    membership = people.auditor_a.memberships.get()
    services.revoke_role(people.admin_a, membership)
    membership.refresh_from_db()
    assert membership.active is False
    assert membership.ended is not None
    assert Membership.objects.filter(pk=membership.pk).exists()  # never deleted
    [revoked] = events(SecurityEventType.ROLE_REVOKED)
    assert (revoked.user_id, revoked.detail["role"]) == (people.admin_a.pk, "staff_auditor")
    change = ObjectChange.objects.filter(object_id=str(membership.pk), action="update").get()
    assert (change.before["active"], change.after["active"]) == (True, False)
    with pytest.raises(ValidationError):
        services.revoke_role(people.admin_a, membership)


def test_firm_admin_revokes_only_in_their_firms(people):
    with pytest.raises(PermissionDenied):
        services.revoke_role(people.admin_b, people.auditor_a.memberships.get())
    assert events(SecurityEventType.ROLE_REVOKED, outcome=Outcome.FAILURE)


def test_last_firm_admin_cannot_step_down(orgs, people):
    own = people.admin_a.memberships.get(role=Role.FIRM_ADMIN)
    with pytest.raises(ValidationError) as caught:
        services.revoke_role(people.admin_a, own)
    assert caught.value.code == "last_firm_admin"
    services.grant_role(people.admin_a, people.partner_a, orgs.firm_a, Role.FIRM_ADMIN)
    services.revoke_role(people.admin_a, own)
    own.refresh_from_db()
    assert own.active is False


def test_set_roles_grants_and_revokes_the_difference(orgs, people):
    services.set_roles(people.admin_a, people.auditor_a, orgs.firm_a, [Role.MANAGER, Role.CPA])
    assert set(people.auditor_a.memberships.filter(active=True).values_list("role", flat=True)) == {
        "manager",
        "cpa",
    }
    assert len(events(SecurityEventType.ROLE_GRANTED)) == 2
    assert len(events(SecurityEventType.ROLE_REVOKED)) == 1


def test_set_roles_is_all_or_nothing(orgs, people):
    with pytest.raises(ValidationError):  # the manager grant is rolled back with the refused one
        services.set_roles(people.admin_a, people.auditor_a, orgs.firm_a, [Role.MANAGER, Role.SYSTEM_ADMIN])
    assert list(people.auditor_a.memberships.filter(active=True).values_list("role", flat=True)) == [
        "staff_auditor"
    ]


def test_association_appoints_the_first_administrator_of_a_new_firm(orgs, people):
    new_firm = f.FirmFactory(organisation__city="360100").organisation
    services.grant_role(people.assoc, f.UserFactory(), new_firm, Role.FIRM_ADMIN)
    with pytest.raises(PermissionDenied):  # now it has one
        services.grant_role(people.assoc, f.UserFactory(), new_firm, Role.FIRM_ADMIN)
    other = f.FirmFactory(organisation__city="360100").organisation
    services.grant_role(people.city, f.UserFactory(), other, Role.FIRM_ADMIN)  # city staff, own city
    far = f.FirmFactory(organisation__city="360700").organisation
    with pytest.raises(PermissionDenied):
        services.grant_role(people.city, f.UserFactory(), far, Role.FIRM_ADMIN)
    with pytest.raises(PermissionDenied):  # the branch is administered from the head office
        services.grant_role(people.assoc, f.UserFactory(), orgs.branch_a, Role.FIRM_ADMIN)
    with pytest.raises(PermissionDenied):  # only the administrator role
        services.grant_role(people.assoc, f.UserFactory(), far, Role.PARTNER)


def test_grant_to_deactivated_user_or_closed_organisation_is_refused(orgs, people):
    gone = f.UserFactory(is_active=False)
    with pytest.raises(ValidationError):
        services.grant_role(people.admin_a, gone, orgs.firm_a, Role.CPA)
    orgs.firm_b.status = "closed"
    orgs.firm_b.save()
    with pytest.raises(ValidationError):
        services.grant_role(people.secadmin, f.UserFactory(), orgs.firm_b, Role.CPA)
