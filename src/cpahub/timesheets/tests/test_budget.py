"""Budget vs actual per engagement and grade, with warnings at 80% and 100%."""

import datetime
from decimal import Decimal

import pytest
from django.template.loader import render_to_string

from cpahub.engagements.models import BudgetLine
from cpahub.practice.models import StaffProfile
from cpahub.testing.timesheets import MONDAY, book, week
from cpahub.timesheets import services
from cpahub.timesheets.budget import budget_status, level_for
from cpahub.timesheets.choices import Task

pytestmark = pytest.mark.django_db


@pytest.fixture
def budgeted(w):
    BudgetLine.objects.create(engagement=w.engagement_a, grade=w.grades_a["S"], hours=Decimal(50))
    BudgetLine.objects.create(engagement=w.engagement_a, grade=w.grades_a["A"], hours=Decimal(10))
    return w


def rows(engagement):
    found = budget_status(engagement)
    return {r.grade: (r.budget, r.approved, r.submitted, r.level) for r in found.rows}, found


@pytest.mark.parametrize(
    ("budget", "actual", "level"),
    [
        (100, 0, "ok"),
        (100, 79.75, "ok"),
        (100, 80, "warning"),
        (100, 99.75, "warning"),
        (100, 100, "over"),
        (100, 130, "over"),
        (0, 1, "unbudgeted"),
        (0, 0, "none"),
    ],
)
def test_levels_at_80_and_100_percent(budget, actual, level):
    assert level_for(Decimal(budget), Decimal(str(actual))) == level


def test_submitted_and_approved_hours_count_by_grade_and_drafts_do_not(budgeted):
    w = budgeted
    sheet = week(w.auditor_a, engagement=w.engagement_a)  # 40 h = 80% of the senior budget
    found, status = rows(w.engagement_a)
    assert found["高级审计员"] == (50, 0, 0, "ok")  # drafts do not count
    services.submit(w.auditor_a, sheet)
    found, status = rows(w.engagement_a)
    assert found["高级审计员"] == (50, 0, 40, "warning")
    assert status.level == "warning"
    services.approve(w.manager_a, sheet)
    found, status = rows(w.engagement_a)
    assert found["高级审计员"] == (50, 40, 0, "warning")
    assert (status.total.budget, status.total.actual, status.total.level) == (60, 40, "ok")


def test_the_budget_is_used_up_at_100_percent(budgeted):
    w = budgeted
    first = week(w.auditor_a, engagement=w.engagement_a)
    services.submit(w.auditor_a, first)
    services.approve(w.manager_a, first)
    second = week(
        w.auditor_a, first=MONDAY + datetime.timedelta(days=7), engagement=w.engagement_a, hours=(10,)
    )
    services.submit(w.auditor_a, second)
    found, status = rows(w.engagement_a)
    assert found["高级审计员"] == (50, 40, 10, "over")
    assert status.level == "over"
    assert [(r.grade, r.level) for r in status.warnings] == [("高级审计员", "over"), ("Total", "warning")]


def test_time_of_a_grade_without_budget_is_flagged(budgeted):
    w = budgeted
    sheet = book(w.partner_a, MONDAY, 3, engagement=w.engagement_a, task=Task.REVIEW)
    services.submit(w.partner_a, sheet)
    found, status = rows(w.engagement_a)
    assert found["合伙人"] == (0, 0, 3, "unbudgeted")
    assert status.level == "unbudgeted"


def test_hours_stay_with_the_grade_they_were_worked_at(budgeted):
    w = budgeted
    sheet = week(w.assistant_a, engagement=w.engagement_a, hours=(8,))
    services.submit(w.assistant_a, sheet)
    services.approve(w.manager_a, sheet)
    StaffProfile.objects.filter(user=w.assistant_a).update(grade=w.grades_a["S"])  # promoted
    found, _status = rows(w.engagement_a)
    assert found["审计助理"] == (10, 8, 0, "warning")
    assert found["高级审计员"] == (50, 0, 0, "ok")


def test_the_include_for_the_engagement_page_shows_the_warnings(budgeted):
    w = budgeted
    sheet = week(w.auditor_a, engagement=w.engagement_a, hours=(10, 10, 10, 10, 10))
    services.submit(w.auditor_a, sheet)
    html = render_to_string("timesheets/includes/budget_vs_actual.html", {"object": w.engagement_a})
    assert 'data-testid="budget-vs-actual"' in html
    assert 'data-level="over"' in html  # the senior line: 50 of 50
    assert "Budget used up" in html
    html = render_to_string("timesheets/includes/budget_vs_actual.html", {"engagement": w.engagement_b})
    assert "No budget and no time recorded yet." in html
