"""Helpers for the time tests: book hours through the services, or write entries directly in bulk."""

from __future__ import annotations

import datetime
from decimal import Decimal

from cpahub.timesheets import services
from cpahub.timesheets.choices import Status, Task
from cpahub.timesheets.models import TimeEntry, Timesheet

MONDAY = datetime.date(2025, 9, 22)  # the week before National Day 2025


def book(user, day, hours, engagement=None, task=Task.FIELDWORK, note=None):
    """Book hours through the services (all rules apply); returns the sheet."""
    cell = services.Cell(engagement.pk if engagement else None, task, day, str(hours), note)
    return services.save_cells(user, day, [cell])


def week(user, first=MONDAY, engagement=None, hours=(8, 8, 8, 8, 8), task=Task.FIELDWORK):
    """Book a working week (Monday onwards) and return the sheet."""
    cells = [
        services.Cell(
            engagement.pk if engagement else None,
            task,
            first + datetime.timedelta(days=n),
            Decimal(str(h)),
        )
        for n, h in enumerate(hours)
        if h
    ]
    return services.save_cells(user, first, cells)


def entry(user, day, hours, *, engagement=None, task=Task.FIELDWORK, status=Status.APPROVED, grade=None):
    """Write an entry directly (no rules) for report tests; makes the week's sheet when needed."""
    from cpahub.practice.models import StaffProfile

    profile = StaffProfile.objects.get(user=user)
    sheet, _ = Timesheet.objects.get_or_create(
        user=user,
        firm=profile.firm,
        week_start=services.monday(day),
        defaults={"office": profile.office, "status": status},
    )
    return TimeEntry.objects.create(
        sheet=sheet,
        firm=profile.firm,
        office=profile.office,
        user=user,
        date=day,
        engagement=engagement,
        task=task,
        hours=Decimal(str(hours)),
        status=status,
        grade=grade if grade is not None else profile.grade,
    )
