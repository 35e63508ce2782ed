"""Utilisation against hand-computed figures over National Day 2025.

Period 2025-09-22 (Mon) to 2025-10-12 (Sun). Working days, counted by hand from the State Council's
notice: 22–26 Sep (5), Sun 28 Sep (调休 make-up day, 1), 29–30 Sep (2), 1–8 Oct holiday (0),
9–10 Oct (2), Sat 11 Oct (调休, 1) = 11 days = 88 hours at 8 hours a day.
"""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cpahub.accounts.choices import Role
from cpahub.practice.models import StaffProfile
from cpahub.testing.practice import staff
from cpahub.testing.timesheets import entry
from cpahub.timesheets import reports
from cpahub.timesheets.choices import Status, Task
from cpahub.timesheets.workdays import CalendarUnsupported, WorkingDays

pytestmark = pytest.mark.django_db
START, END = datetime.date(2025, 9, 22), datetime.date(2025, 10, 12)
D = datetime.date


def test_working_days_know_make_up_days_and_national_day():
    days = WorkingDays(START, END)
    assert len(days) == 11
    assert D(2025, 9, 28) in days.days  # a Sunday worked instead of a holiday
    assert D(2025, 10, 11) in days.days  # a Saturday worked
    assert D(2025, 10, 1) not in days.days and D(2025, 10, 8) not in days.days
    assert days.count(D(2025, 9, 29), None) == 5
    assert days.count(None, D(2025, 9, 28)) == 6
    assert days.count(D(2025, 10, 1), D(2025, 10, 8)) == 0


@pytest.fixture
def booked(w):
    StaffProfile.objects.filter(user=w.assistant_a).update(joined=D(2025, 9, 29), capacity=Decimal("0.5"))
    StaffProfile.objects.filter(user=w.manager_a).update(left=D(2025, 9, 28))
    e = w.engagement_a
    for day in range(22, 27):
        entry(w.auditor_a, D(2025, 9, day), 8, engagement=e)
    entry(w.auditor_a, D(2025, 9, 28), 8, engagement=e)  # the make-up Sunday
    entry(w.auditor_a, D(2025, 9, 29), 8, task=Task.LEAVE)  # recorded, not chargeable
    entry(w.auditor_a, D(2025, 10, 1), 4, engagement=e, task=Task.TRAVEL)  # worked on a holiday
    entry(w.auditor_a, D(2025, 10, 9), 8, engagement=e, status=Status.DRAFT)  # never counted
    entry(w.auditor_a, D(2025, 10, 10), 8, engagement=e, status=Status.SUBMITTED)  # counted on request
    entry(w.auditor_a, D(2025, 10, 13), 8, engagement=e)  # after the period
    entry(w.assistant_a, D(2025, 10, 11), 8, engagement=e, task=Task.REVIEW)
    entry(w.manager_a, D(2025, 9, 22), 4, task=Task.TRAINING)
    entry(w.branch_auditor, D(2025, 9, 23), 22, engagement=w.branch_engagement)
    entry(w.partner_b, D(2025, 9, 23), 8, engagement=w.engagement_b)  # another firm
    return w


def by_label(rows):
    return {r.label: (r.working_days, r.available, r.chargeable, r.recorded, r.utilisation) for r in rows}


def test_per_person(booked):
    w = booked
    rows = by_label(reports.utilisation(w.firm_a, START, END))
    assert rows[str(w.auditor_a)] == (11, 88, 52, 60, Decimal("0.5909"))
    assert rows[str(w.assistant_a)] == (5, 20, 8, 8, Decimal("0.4000"))  # joined 29 Sep, half time
    assert rows[str(w.manager_a)] == (6, 48, 0, 4, Decimal("0"))  # left 28 Sep
    assert rows[str(w.branch_auditor)] == (11, 88, 22, 22, Decimal("0.2500"))
    assert rows[str(w.partner_a)] == (11, 88, 0, 0, Decimal("0"))
    assert len(rows) == 9 and str(w.partner_b) not in rows


def test_submitted_time_counts_when_asked(booked):
    rows = by_label(reports.utilisation(booked.firm_a, START, END, include_submitted=True))
    assert rows[str(booked.auditor_a)] == (11, 88, 60, 68, Decimal("0.6818"))


def test_per_office_and_per_grade(booked):
    w = booked
    offices = by_label(reports.utilisation(w.firm_a, START, END, by="office"))
    # head office: five full people (5 × 88) + the manager (48) + the assistant (20)
    assert offices[str(w.firm_a)] == (5 * 11 + 6 + 5, 508, 60, 72, Decimal("0.1181"))
    assert offices[str(w.branch_a)] == (22, 176, 22, 22, Decimal("0.1250"))
    grades = by_label(reports.utilisation(w.firm_a, START, END, by="grade"))
    assert list(grades) == ["合伙人", "经理", "高级审计员", "审计助理", "No grade"]
    assert grades["高级审计员"] == (22, 176, 74, 82, Decimal("0.4205"))
    assert grades["经理"] == (17, 136, 0, 4, Decimal("0"))
    assert grades["No grade"] == (22, 176, 0, 0, Decimal("0"))  # administrator and finance
    total = reports.total(reports.utilisation(w.firm_a, START, END, by="grade"))
    assert (total.people, total.available, total.chargeable) == (9, 684, 82)


def test_an_engagement_team_and_a_custom_staff_set(booked):
    w = booked
    team = by_label(reports.utilisation(w.firm_a, START, END, engagement=w.engagement_a))
    assert set(team) == {str(w.auditor_a), str(w.assistant_a)}
    few = StaffProfile.objects.filter(user__in=[w.auditor_a, w.partner_a])
    assert len(reports.utilisation(w.firm_a, START, END, staff=few)) == 2


def test_people_outside_the_period_are_left_out(booked):
    w = booked
    StaffProfile.objects.filter(user=w.partner_a).update(left=D(2025, 9, 1))
    StaffProfile.objects.filter(user=w.quality_a).update(joined=D(2025, 11, 1))
    labels = by_label(reports.utilisation(w.firm_a, START, END))
    assert str(w.partner_a) not in labels and str(w.quality_a) not in labels


def test_a_year_the_calendar_does_not_know_is_a_clear_error(w):
    with pytest.raises(CalendarUnsupported) as error:
        reports.utilisation(w.firm_a, D(2100, 1, 1), D(2100, 1, 31))
    assert "2100 is not covered" in str(error.value)
    with pytest.raises(CalendarUnsupported):
        reports.utilisation(w.firm_a, D(2003, 12, 1), D(2004, 1, 31))


def test_the_number_of_queries_does_not_grow_with_people(booked):
    w = booked
    reports.utilisation(w.firm_a, START, END)  # warm the firm settings row
    with CaptureQueriesContext(connection) as few:
        reports.utilisation(w.firm_a, START, END, by="office")
    for _n in range(15):
        person = staff(Role.STAFF_AUDITOR, w.firm_a, w.grades_a["A"])
        entry(person, D(2025, 9, 24), 8, engagement=w.engagement_a)
    with CaptureQueriesContext(connection) as many:
        rows = reports.utilisation(w.firm_a, START, END, by="office")
    assert len(many) == len(few) <= 3
    assert sum(r.people for r in rows) == 9 + 15
