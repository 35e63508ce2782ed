"""Submit, approve line by line, reject with a reason, lock, reopen with a reason; rates kept at approval."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError

from cpahub.core.context import acting_as
from cpahub.core.models import ObjectChange
from cpahub.engagements.choices import TeamRole
from cpahub.practice.models import Grade, StaffProfile
from cpahub.testing.practice import add_to_team
from cpahub.testing.timesheets import MONDAY, book, week
from cpahub.timesheets import services
from cpahub.timesheets.choices import EventKind, Status, Task
from cpahub.timesheets.models import TimeEntry, TimesheetEvent

pytestmark = pytest.mark.django_db


def mixed_week(w):
    """Four days on engagement A, Friday on leave: two lines with two different approvers."""
    sheet = week(w.auditor_a, engagement=w.engagement_a, hours=(8, 8, 8, 8, 0))
    book(w.auditor_a, MONDAY + datetime.timedelta(days=4), 8, task=Task.LEAVE)
    return services.submit(w.auditor_a, sheet)


def statuses(sheet):
    return dict(sheet.entries.values_list("task", "status").distinct())


def test_submit_marks_entries_and_stores_the_grade(w):
    sheet = mixed_week(w)
    assert sheet.status == Status.SUBMITTED
    assert set(sheet.entries.values_list("status", flat=True)) == {Status.SUBMITTED}
    assert set(sheet.entries.values_list("grade__code", flat=True)) == {"S"}
    assert sheet.events.get().kind == EventKind.SUBMITTED
    with pytest.raises(ValidationError):
        services.submit(w.auditor_a, sheet)  # already submitted


def test_an_empty_week_cannot_be_submitted(w):
    services.add_row(w.auditor_a, MONDAY, w.engagement_a.pk, Task.FIELDWORK)
    with pytest.raises(ValidationError):
        services.submit(w.auditor_a, services.sheet_for(w.auditor_a, MONDAY))


def test_each_line_goes_to_its_approver_and_the_week_is_approved_when_all_are(w):
    sheet = mixed_week(w)
    with pytest.raises(PermissionDenied):
        services.approve(w.manager_a, sheet, lines=[services.OTHER])  # leave is the line manager's
    services.approve(w.manager_a, sheet)  # approves what the manager may: engagement A
    sheet.refresh_from_db()
    assert statuses(sheet) == {Task.FIELDWORK: Status.APPROVED, Task.LEAVE: Status.SUBMITTED}
    assert sheet.status == Status.SUBMITTED
    services.approve(w.admin_a, sheet)  # the firm administrator, as line manager, approves leave
    sheet.refresh_from_db()
    assert sheet.status == Status.APPROVED
    kinds = list(sheet.events.values_list("kind", "actor_id"))
    assert kinds == [
        (EventKind.SUBMITTED, w.auditor_a.pk),
        (EventKind.APPROVED, w.manager_a.pk),
        (EventKind.APPROVED, w.admin_a.pk),
    ]


def test_a_team_manager_approves_like_the_engagement_manager(w):
    add_to_team(w.engagement_a, w.branch_manager, TeamRole.MANAGER)
    sheet = mixed_week(w)
    services.approve(w.branch_manager, sheet, lines=[w.engagement_a.pk])
    assert set(sheet.entries.filter(task=Task.FIELDWORK).values_list("status", flat=True)) == {
        Status.APPROVED
    }


def test_nobody_approves_their_own_time_whatever_their_role(w):
    # the engagement's own manager and its partner book time on it
    for person in (w.manager_a, w.partner_a):
        sheet = week(person, engagement=w.engagement_a, hours=(4,))
        services.submit(person, sheet)
        with pytest.raises(PermissionDenied) as error:
            services.approve(person, sheet)
        assert "own time" in str(error.value)
        with pytest.raises(PermissionDenied):
            services.reject(person, sheet, "no")
        assert set(sheet.entries.values_list("status", flat=True)) == {Status.SUBMITTED}
    # the partner approves the manager's time on the engagement, and the other way round
    services.approve(w.partner_a, services.sheet_for(w.manager_a, MONDAY))
    services.approve(w.manager_a, services.sheet_for(w.partner_a, MONDAY))
    assert set(TimeEntry.objects.values_list("status", flat=True)) == {Status.APPROVED}


def test_outsiders_and_plain_staff_cannot_decide(w):
    sheet = mixed_week(w)
    for user in (w.assistant_a, w.finance_a, w.branch_manager, w.manager_b, w.partner_b):
        with pytest.raises(PermissionDenied):
            services.approve(user, sheet)
    assert set(sheet.entries.values_list("status", flat=True)) == {Status.SUBMITTED}


def test_approved_time_is_locked(w):
    sheet = week(w.auditor_a, engagement=w.engagement_a)
    services.submit(w.auditor_a, sheet)
    services.approve(w.manager_a, sheet)
    entry = sheet.entries.first()
    with pytest.raises(ValidationError):
        services.update_entry(w.auditor_a, entry, hours=Decimal(1))
    with pytest.raises(ValidationError):
        services.delete_entry(w.auditor_a, entry)
    with pytest.raises(ValidationError):
        book(w.auditor_a, MONDAY, 2, task=Task.ADMIN)  # nor a new line in an approved week
    with pytest.raises(ValidationError):
        services.remove_row(w.auditor_a, sheet, w.engagement_a.pk, Task.FIELDWORK)
    assert TimeEntry.objects.get(pk=entry.pk).hours == 8
    assert sheet.entries.count() == 5


def test_submitted_time_waits_for_a_decision(w):
    sheet = mixed_week(w)
    with pytest.raises(ValidationError):
        book(w.auditor_a, MONDAY, 2, engagement=w.engagement_a)
    with pytest.raises(ValidationError) as error:
        services.update_entry(w.auditor_a, sheet.entries.first(), hours=Decimal(2))
    assert "no longer be changed" in str(error.value)


def test_rejection_needs_a_reason_and_returns_the_week(w):
    sheet = mixed_week(w)
    with pytest.raises(ValidationError):
        services.reject(w.manager_a, sheet, "  ")
    services.reject(w.manager_a, sheet, "Wrong engagement on Monday", lines=[w.engagement_a.pk])
    sheet.refresh_from_db()
    assert sheet.status == Status.REJECTED and sheet.reject_reason == "Wrong engagement on Monday"
    assert statuses(sheet) == {Task.FIELDWORK: Status.REJECTED, Task.LEAVE: Status.SUBMITTED}
    # the person corrects a rejected cell (it becomes a draft) and submits again
    book(w.auditor_a, MONDAY, 6, engagement=w.engagement_a)
    services.submit(w.auditor_a, sheet)
    sheet.refresh_from_db()
    assert sheet.status == Status.SUBMITTED and sheet.reject_reason == ""
    assert set(sheet.entries.values_list("status", flat=True)) == {Status.SUBMITTED}


def test_approval_keeps_the_grade_and_rates_of_that_day(w):
    sheet = week(w.auditor_a, engagement=w.engagement_a)
    services.submit(w.auditor_a, sheet)
    services.approve(w.manager_a, sheet)
    senior = w.grades_a["S"]
    Grade.objects.filter(pk=senior.pk).update(charge_rate=Decimal("650"), cost_rate=Decimal("250"))
    StaffProfile.objects.filter(user=w.auditor_a).update(grade=w.grades_a["M"])  # promoted later
    entry = TimeEntry.objects.filter(sheet=sheet).first()
    assert (entry.grade_id, entry.charge_rate, entry.cost_rate) == (senior.pk, Decimal("500"), Decimal("180"))
    assert entry.approved_by == w.manager_a and entry.approved_at is not None


def test_reopen_is_logged_with_its_reason_and_unlocks_the_week(w):
    sheet = mixed_week(w)
    services.approve(w.manager_a, sheet)
    services.approve(w.partner_a, sheet)
    with pytest.raises(PermissionDenied):
        services.reopen(w.auditor_a, sheet, "I want to change it")  # never one's own
    with pytest.raises(PermissionDenied):
        services.reopen(w.assistant_a, sheet, "no right")
    with pytest.raises(ValidationError):
        services.reopen(w.manager_a, sheet, "")
    with acting_as(w.manager_a):
        services.reopen(w.manager_a, sheet, "Client asked to split travel time")
    sheet.refresh_from_db()
    assert sheet.status == Status.DRAFT
    assert set(sheet.entries.values_list("status", flat=True)) == {Status.DRAFT}
    assert not sheet.entries.exclude(charge_rate=None).exists()
    event = sheet.events.get(kind=EventKind.REOPENED)
    assert (event.actor, event.reason, event.hours) == (w.manager_a, "Client asked to split travel time", 40)
    # every entry's change is in the change log, attributed to the manager
    entry_type = ContentType.objects.get_for_model(TimeEntry)
    reopened = ObjectChange.objects.filter(content_type=entry_type, user=w.manager_a)
    assert reopened.count() == 5
    assert {c.after["status"] for c in reopened} == {Status.DRAFT}
    # the person edits and submits again; re-approval takes the rates of the new day
    book(w.auditor_a, MONDAY, 7, engagement=w.engagement_a)
    Grade.objects.filter(pk=w.grades_a["S"].pk).update(charge_rate=Decimal("550"))
    services.submit(w.auditor_a, sheet)
    services.approve(w.manager_a, sheet)
    assert set(sheet.entries.filter(task=Task.FIELDWORK).values_list("charge_rate", flat=True)) == {
        Decimal("550")
    }


def test_only_a_week_with_approved_time_is_reopened(w):
    sheet = mixed_week(w)
    with pytest.raises(ValidationError):
        services.reopen(w.partner_a, sheet, "nothing approved yet")
    assert not TimesheetEvent.objects.filter(kind=EventKind.REOPENED).exists()


def test_bulk_approval_approves_what_it_may_and_reports_the_rest(w):
    mine = mixed_week(w)
    other = week(w.assistant_a, engagement=w.engagement_a)
    services.submit(w.assistant_a, other)
    own = week(w.manager_a, engagement=w.engagement_a, hours=(2,))
    services.submit(w.manager_a, own)
    done, refused = services.approve_many(w.manager_a, [mine, other, own])
    assert {s.pk for s in done} == {mine.pk, other.pk}
    assert set(refused) == {own.pk}
    assert "own time" in refused[own.pk]


def test_the_admin_shows_time_read_only(w, rf):
    from django.contrib import admin

    request = rf.get("/admin/")
    for model in (TimeEntry, TimesheetEvent):
        model_admin = admin.site._registry[model]
        assert not model_admin.has_add_permission(request)
        assert not model_admin.has_change_permission(request)
        assert not model_admin.has_delete_permission(request)
