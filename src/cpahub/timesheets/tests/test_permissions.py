"""Who sees, changes and decides on time: the firm world's matrix."""

import pytest

from cpahub.core.permissions import CHANGE, DELETE, VIEW, scope_for
from cpahub.testing.timesheets import MONDAY, book, week
from cpahub.timesheets import services
from cpahub.timesheets.access import approvable_q, reportable_staff
from cpahub.timesheets.choices import Task
from cpahub.timesheets.models import TimeEntry, Timesheet, TimesheetEvent

pytestmark = pytest.mark.django_db

PEOPLE = (
    "admin_a",
    "partner_a",
    "quality_a",
    "manager_a",
    "auditor_a",
    "assistant_a",
    "finance_a",
    "branch_manager",
    "branch_auditor",
    "partner_b",
    "manager_b",
    "assoc",
)


@pytest.fixture
def booked(w):
    week(w.auditor_a, engagement=w.engagement_a, hours=(8,))
    services.submit(w.auditor_a, book(w.auditor_a, MONDAY, 4, task=Task.LEAVE))
    book(w.branch_auditor, MONDAY, 6, engagement=w.branch_engagement)
    book(w.branch_auditor, MONDAY, 1, task=Task.ADMIN)  # stays a draft
    services.submit(w.partner_b, book(w.partner_b, MONDAY, 5, engagement=w.engagement_b))
    w.e = {
        "a_engagement": TimeEntry.objects.get(user=w.auditor_a, task=Task.FIELDWORK),
        "a_leave": TimeEntry.objects.get(user=w.auditor_a, task=Task.LEAVE),
        "branch_engagement": TimeEntry.objects.get(user=w.branch_auditor, task=Task.FIELDWORK),
        "branch_admin": TimeEntry.objects.get(user=w.branch_auditor, task=Task.ADMIN),
        "b_engagement": TimeEntry.objects.get(user=w.partner_b),
    }
    return w


def visible(w, user, action=VIEW, model=TimeEntry):
    pks = set(model.objects.restrict(user, action).values_list("pk", flat=True))
    if model is TimeEntry:
        return {name for name, entry in w.e.items() if entry.pk in pks}
    return pks


# Who reads which entry: themselves; partners, administrators and finance of the office's reach;
# the managers and partner of the engagement. Never another firm, never the association.
READS = {
    "admin_a": {"a_engagement", "a_leave", "branch_engagement", "branch_admin"},
    "partner_a": {"a_engagement", "a_leave", "branch_engagement", "branch_admin"},
    "quality_a": {"a_engagement", "a_leave", "branch_engagement", "branch_admin"},
    "finance_a": {"a_engagement", "a_leave", "branch_engagement", "branch_admin"},
    "manager_a": {"a_engagement"},
    "auditor_a": {"a_engagement", "a_leave"},
    "assistant_a": set(),
    "branch_manager": {"branch_engagement"},
    "branch_auditor": {"branch_engagement", "branch_admin"},
    "partner_b": {"b_engagement"},
    "manager_b": {"b_engagement"},
    "assoc": set(),
}
# Who decides on which entry (submitted or not): never their own.
DECIDES = {
    "admin_a": {"a_leave", "branch_admin"},
    "partner_a": {"a_engagement", "a_leave", "branch_admin"},  # engagement A's partner, line manager
    "quality_a": {"a_leave", "branch_admin"},
    "finance_a": set(),
    "manager_a": {"a_engagement"},
    "auditor_a": set(),
    "assistant_a": set(),
    "branch_manager": {"branch_engagement"},
    "branch_auditor": set(),
    "partner_b": set(),  # the only entry of firm B is the partner's own
    "manager_b": {"b_engagement"},
    "assoc": set(),
}


def test_who_reads_which_entry(booked):
    assert {person: visible(booked, getattr(booked, person)) for person in PEOPLE} == READS


def test_who_decides_on_which_entry(booked):
    def decides(user):
        pks = set(TimeEntry.objects.filter(approvable_q(scope_for(user))).values_list("pk", flat=True))
        return {name for name, entry in booked.e.items() if entry.pk in pks}

    assert {person: decides(getattr(booked, person)) for person in PEOPLE} == DECIDES


def test_only_ones_own_time_can_be_changed(booked):
    for person in PEOPLE:
        user = getattr(booked, person)
        own = {name for name, entry in booked.e.items() if entry.user_id == user.pk}
        assert visible(booked, user, CHANGE) == own, person
        assert visible(booked, user, DELETE) == own, person


def test_sheets_and_their_events_follow_the_entries(booked):
    w = booked
    a_sheet = Timesheet.objects.get(user=w.auditor_a)
    assert a_sheet.pk in visible(w, w.manager_a, model=Timesheet)
    assert a_sheet.pk not in visible(w, w.branch_manager, model=Timesheet)
    assert a_sheet.pk not in visible(w, w.partner_b, model=Timesheet)
    assert a_sheet.pk not in visible(w, w.assoc, model=Timesheet)
    assert visible(w, w.assistant_a, model=Timesheet) == set()
    events = TimesheetEvent.objects.filter(sheet=a_sheet)
    assert set(events.restrict(w.manager_a).values_list("pk", flat=True)) == set(
        events.values_list("pk", flat=True)
    )
    assert not events.restrict(w.partner_b).exists()
    assert not events.restrict(w.auditor_a, CHANGE).exists()


def test_anonymous_sees_nothing(booked):
    from django.contrib.auth.models import AnonymousUser

    assert not TimeEntry.objects.restrict(AnonymousUser()).exists()
    assert not Timesheet.objects.restrict(AnonymousUser()).exists()


def test_a_person_who_left_the_firm_loses_access(booked):
    w = booked
    w.manager_a.memberships.update(active=False)
    w.manager_a = type(w.manager_a).objects.get(pk=w.manager_a.pk)
    assert visible(w, w.manager_a) == set()
    assert not TimeEntry.objects.filter(approvable_q(scope_for(w.manager_a))).exists()


def test_utilisation_reach(booked):
    w = booked

    def people(user):
        return set(reportable_staff(scope_for(user)).values_list("user_id", flat=True))

    firm_a = {
        p.pk
        for p in (
            w.admin_a,
            w.partner_a,
            w.quality_a,
            w.manager_a,
            w.auditor_a,
            w.assistant_a,
            w.finance_a,
            w.branch_manager,
            w.branch_auditor,
        )
    }
    assert people(w.partner_a) == firm_a
    assert people(w.finance_a) == firm_a
    assert people(w.manager_a) == {w.auditor_a.pk, w.assistant_a.pk}  # the team of engagement A
    assert people(w.auditor_a) == set()
    assert people(w.partner_b) == {w.partner_b.pk, w.manager_b.pk}
    assert people(w.assoc) == set()
