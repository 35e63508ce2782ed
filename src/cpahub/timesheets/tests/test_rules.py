"""The rules of recording time: chargeable tasks, quarter hours, 24 hours a day, open engagements."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cpahub.engagements.choices import Status as EngagementStatus
from cpahub.practice.models import StaffProfile
from cpahub.testing.practice import EngagementFactory
from cpahub.testing.timesheets import MONDAY, book, week
from cpahub.timesheets import services
from cpahub.timesheets.choices import CHARGEABLE_TASKS, Status, Task, is_chargeable
from cpahub.timesheets.models import TimeEntry, TimesheetRow

pytestmark = pytest.mark.django_db
TUESDAY = MONDAY + datetime.timedelta(days=1)


def test_chargeable_is_client_work_on_an_engagement_and_nothing_else():
    assert {Task.FIELDWORK, Task.REVIEW, Task.TRAVEL, Task.OTHER_CHARGEABLE} == CHARGEABLE_TASKS
    assert is_chargeable(Task.FIELDWORK, 7)
    assert is_chargeable(Task.TRAVEL, 7)
    assert not is_chargeable(Task.FIELDWORK, None)
    for task in (Task.TRAINING, Task.ADMIN, Task.LEAVE):
        assert not is_chargeable(task, 7)


def test_chargeable_work_needs_an_engagement_and_leave_has_none(w):
    with pytest.raises(ValidationError) as error:
        book(w.auditor_a, MONDAY, 8, task=Task.FIELDWORK)
    assert "needs an engagement" in str(error.value)
    with pytest.raises(ValidationError) as error:
        book(w.auditor_a, MONDAY, 8, engagement=w.engagement_a, task=Task.LEAVE)
    assert "Leave is not booked" in str(error.value)
    book(w.auditor_a, MONDAY, 8, task=Task.LEAVE)
    book(w.auditor_a, TUESDAY, 2, engagement=w.engagement_a, task=Task.TRAINING)
    assert TimeEntry.objects.filter(user=w.auditor_a).count() == 2


@pytest.mark.parametrize("text", ["0.3", "24.25", "-1", "abc", "1e3", "NaN"])
def test_hours_come_in_quarter_steps_up_to_24(w, text):
    with pytest.raises(ValidationError):
        book(w.auditor_a, MONDAY, text, engagement=w.engagement_a)
    assert not TimeEntry.objects.exists()


@pytest.mark.parametrize(("text", "expected"), [("7.5", "7.5"), ("7,25", "7.25"), (" 8 ", "8"), ("24", "24")])
def test_typed_hours_are_read_generously(w, text, expected):
    book(w.auditor_a, MONDAY, services.parse_hours(text), engagement=w.engagement_a)
    assert TimeEntry.objects.get().hours == Decimal(expected)


def test_a_day_has_at_most_24_hours_across_all_lines(w):
    book(w.auditor_a, MONDAY, 16, engagement=w.engagement_a)
    book(w.auditor_a, MONDAY, 8, task=Task.ADMIN)  # exactly 24: allowed
    with pytest.raises(ValidationError) as error:
        book(w.auditor_a, MONDAY, "0.25", task=Task.TRAINING)
    assert "at most 24" in str(error.value)
    # lowering one line while raising another in the same save is judged on the result
    services.save_cells(
        w.auditor_a,
        MONDAY,
        [
            services.Cell(w.engagement_a.pk, Task.FIELDWORK, MONDAY, Decimal(10)),
            services.Cell(None, Task.TRAINING, MONDAY, Decimal(6)),
        ],
    )
    total = sum(e.hours for e in TimeEntry.objects.filter(user=w.auditor_a, date=MONDAY))
    assert total == 24


def test_a_refused_save_keeps_nothing_and_names_every_bad_cell(w):
    cells = [
        services.Cell(w.engagement_a.pk, Task.FIELDWORK, MONDAY, "8", key="a"),
        services.Cell(w.engagement_a.pk, Task.FIELDWORK, TUESDAY, "8.1", key="b"),
        services.Cell(None, Task.FIELDWORK, TUESDAY, "1", key="c"),
    ]
    with pytest.raises(ValidationError) as error:
        services.save_cells(w.auditor_a, MONDAY, cells)
    assert set(error.value.message_dict) == {"b", "c"}
    assert not TimeEntry.objects.exists()


def test_only_open_engagements_of_the_own_firm(w):
    with pytest.raises(ValidationError):
        book(w.auditor_a, MONDAY, 8, engagement=w.engagement_b)
    closed = EngagementFactory(client=w.client_a, status=EngagementStatus.ARCHIVED)
    with pytest.raises(ValidationError):
        book(w.auditor_a, MONDAY, 8, engagement=closed)
    # a branch auditor does not see head-office engagements, unless on their team
    with pytest.raises(ValidationError):
        book(w.branch_auditor, MONDAY, 8, engagement=w.engagement_a)


def test_days_outside_the_persons_time_at_the_firm_are_refused(w):
    StaffProfile.objects.filter(user=w.auditor_a).update(joined=TUESDAY)
    with pytest.raises(ValidationError) as error:
        book(w.auditor_a, MONDAY, 8, engagement=w.engagement_a)
    assert "joined" in str(error.value)
    book(w.auditor_a, TUESDAY, 8, engagement=w.engagement_a)


def test_people_without_a_staff_profile_cannot_record_time(w):
    with pytest.raises(PermissionDenied):
        book(w.assoc, MONDAY, 8, task=Task.ADMIN)


def test_clearing_a_cell_deletes_the_entry_and_keeps_the_line(w):
    book(w.auditor_a, MONDAY, 8, engagement=w.engagement_a)
    book(w.auditor_a, MONDAY, "", engagement=w.engagement_a)
    assert not TimeEntry.objects.exists()
    assert TimesheetRow.objects.filter(engagement=w.engagement_a, task=Task.FIELDWORK).count() == 1


def test_copy_last_week_copies_lines_not_hours(w):
    week(w.auditor_a, engagement=w.engagement_a)
    book(w.auditor_a, MONDAY, 1, task=Task.ADMIN)
    next_week = MONDAY + datetime.timedelta(days=7)
    assert services.copy_last_week(w.auditor_a, next_week) == 2
    sheet = services.sheet_for(w.auditor_a, next_week)
    assert set(sheet.rows.values_list("engagement_id", "task")) == {
        (w.engagement_a.pk, Task.FIELDWORK),
        (None, Task.ADMIN),
    }
    assert not sheet.entries.exists()
    assert services.copy_last_week(w.auditor_a, next_week) == 0  # nothing new the second time


def test_a_line_with_submitted_hours_cannot_be_removed(w):
    sheet = week(w.auditor_a, engagement=w.engagement_a)
    services.submit(w.auditor_a, sheet)
    sheet.refresh_from_db()
    sheet.status = Status.REJECTED  # as if another line had been rejected
    sheet.save()
    with pytest.raises(ValidationError):
        services.remove_row(w.auditor_a, sheet, w.engagement_a.pk, Task.FIELDWORK)
    assert sheet.entries.count() == 5


def test_nobody_writes_another_persons_time(w):
    sheet = week(w.auditor_a, engagement=w.engagement_a)
    entry = sheet.entries.first()
    for intruder in (w.manager_a, w.partner_a):
        with pytest.raises(PermissionDenied):
            services.update_entry(intruder, entry, hours=Decimal(1))
        with pytest.raises(PermissionDenied):
            services.submit(intruder, sheet)
    assert TimeEntry.objects.get(pk=entry.pk).hours == 8
