"""The firm system's visibility rules (FIRM-1, SEC-2): firm, branch, grant, team, outsiders."""

import pytest

from cpahub.clients.models import Client
from cpahub.core.permissions import CHANGE, VIEW, forget_scope
from cpahub.engagements.models import Engagement
from cpahub.practice.models import FirmSettings, Grade
from cpahub.testing.practice import add_to_team, firm_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return firm_world()


def names(qs):
    return set(qs.values_list("pk", flat=True))


def test_head_office_people_see_the_whole_firm_and_nothing_else(w):
    for user in (w.admin_a, w.partner_a, w.manager_a, w.auditor_a, w.finance_a):
        assert names(Client.objects.restrict(user)) == {w.client_a.pk, w.branch_client.pk}
        assert names(Engagement.objects.restrict(user)) == {w.engagement_a.pk, w.branch_engagement.pk}


def test_branch_people_see_their_branch_until_the_firm_grants_more(w):
    assert names(Client.objects.restrict(w.branch_auditor)) == {w.branch_client.pk}
    assert names(Engagement.objects.restrict(w.branch_auditor)) == {w.branch_engagement.pk}
    settings = FirmSettings.for_firm(w.firm_a)
    settings.branches_see_firm = True
    settings.save()
    forget_scope(w.branch_auditor)
    assert names(Client.objects.restrict(w.branch_auditor)) == {w.client_a.pk, w.branch_client.pk}


def test_team_members_from_a_branch_see_the_engagement_they_staff(w):
    add_to_team(w.engagement_a, w.branch_auditor)
    assert w.engagement_a.pk in names(Engagement.objects.restrict(w.branch_auditor))
    assert w.engagement_a.pk not in names(Engagement.objects.restrict(w.branch_auditor, CHANGE))


def test_outsiders_see_nothing(w):
    for user in (w.partner_b, w.manager_b, w.assoc):
        assert w.client_a.pk not in names(Client.objects.restrict(user))
        assert w.engagement_a.pk not in names(Engagement.objects.restrict(user))
    assert names(Client.objects.restrict(w.assoc)) == set()


def test_staff_read_but_only_managers_change(w):
    assert w.client_a.pk in names(Client.objects.restrict(w.auditor_a, VIEW))
    assert names(Client.objects.restrict(w.auditor_a, CHANGE)) == set()
    assert w.client_a.pk in names(Client.objects.restrict(w.manager_a, CHANGE))
    assert names(Grade.objects.restrict(w.manager_a, CHANGE)) == set()
    assert len(names(Grade.objects.restrict(w.partner_a, CHANGE))) == 4


def test_who_reaches_the_whole_firm_agrees_with_the_rule(w):
    from cpahub.core.permissions import scope_for
    from cpahub.practice.access import FINANCE, reaches_whole_firm

    def whole(user, roles=FINANCE):
        forget_scope(user)
        return reaches_whole_firm(scope_for(user), w.firm_a.pk, roles)

    assert whole(w.finance_a) and whole(w.partner_a)
    assert not whole(w.manager_a)  # a manager is not in the finance group
    assert whole(w.branch_manager, ("manager",)) is False  # a branch, no grant
    assert not whole(w.partner_b)
    settings = FirmSettings.for_firm(w.firm_a)
    settings.branches_see_firm = True
    settings.save()
    assert whole(w.branch_manager, ("manager",))
    everything = names(Engagement.objects.filter(firm=w.firm_a))
    assert names(Engagement.objects.restrict(w.branch_manager)) == everything  # as the rule says
