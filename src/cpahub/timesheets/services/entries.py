"""Writing time: the weekly grid's rows and cells, and single entries (API).

Rules: a person writes only their own time, only in a week that is a draft or was rejected, never an
approved entry; hours in 0.25 steps; at most 24 hours a day in total; chargeable tasks need an
engagement, leave has none; only open engagements of the person's firm that they can see.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, F, OuterRef
from django.utils.translation import gettext as _

from cpahub.core.permissions import VIEW
from cpahub.engagements.choices import Status as EngagementStatus
from cpahub.engagements.models import Engagement, TeamMember
from cpahub.practice.models import StaffProfile
from cpahub.timesheets.choices import EDITABLE, NEEDS_ENGAGEMENT, NO_ENGAGEMENT, Status, Task
from cpahub.timesheets.models import DAY_HOURS, TimeEntry, Timesheet, TimesheetRow, validate_hours

# Time is not booked to engagements that are finished or never started.
CLOSED_ENGAGEMENTS = (EngagementStatus.ARCHIVED, EngagementStatus.DECLINED, EngagementStatus.CANCELLED)


@dataclass
class Cell:
    """One cell of the grid: hours (None or 0 clears it) and optionally a note (None keeps it)."""

    engagement_id: int | None
    task: str
    date: datetime.date
    hours: Decimal | None
    note: str | None = None
    key: str = ""  # where an error is shown (a form field name); "" = by model field


def monday(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


def parse_hours(text) -> Decimal | None:
    """Hours typed by a person: '', '0' → None; '7.5' and '7,5' → 7.5; anything else is an error."""
    if text is None or isinstance(text, Decimal):
        return text or None
    text = str(text).strip().replace(",", ".")
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValidationError(_("“%(text)s” is not a number of hours.") % {"text": text}) from None
    if not value.is_finite():
        raise ValidationError(_("“%(text)s” is not a number of hours.") % {"text": text})
    return value or None


def profile_for(user, firm_id: int | None = None) -> StaffProfile:
    profiles = StaffProfile.objects.filter(user=user).select_related("grade", "firm", "office")
    if firm_id is not None:
        profiles = profiles.filter(firm_id=firm_id)
    profile = profiles.order_by(F("left").desc(nulls_first=True), "-pk").first()  # the current one first
    if profile is None:
        raise PermissionDenied(_("You have no staff profile in a firm; ask your firm administrator."))
    return profile


def loggable_engagements(user, firm_id: int):
    """Open engagements of the firm that the person can see (their team's and their office's)."""
    on_team = TeamMember.objects.filter(engagement=OuterRef("pk"), user=user)
    return (
        Engagement.objects.restrict(user, VIEW)
        .filter(firm_id=firm_id)
        .exclude(status__in=CLOSED_ENGAGEMENTS)
        .annotate(on_team=Exists(on_team))
        .order_by("-on_team", "code")  # the person's own engagements first
    )


def sheet_for(user, week: datetime.date, *, create: bool = False, firm_id: int | None = None):
    week = monday(week)
    found = Timesheet.objects.filter(user=user, week_start=week)
    if firm_id is not None:
        found = found.filter(firm_id=firm_id)
    sheet = found.first()
    if sheet is None and create:
        profile = profile_for(user, firm_id)
        sheet, _created = Timesheet.objects.get_or_create(
            user=user, firm=profile.firm, week_start=week, defaults={"office": profile.office}
        )
    return sheet


def _lock(sheet: Timesheet) -> Timesheet:
    """Serialise writers of one person's week (the 24-hour rule spans all their rows)."""
    return Timesheet.objects.select_for_update().get(pk=sheet.pk)


def _check_writer(actor, sheet: Timesheet) -> None:
    if actor.pk != sheet.user_id:
        raise PermissionDenied(_("You may record only your own time."))
    if not sheet.editable:
        raise ValidationError(
            _("This week can no longer be changed (status: %(status)s).")
            % {"status": sheet.get_status_display()}
        )


def _check_line(actor, sheet, engagement_id, task) -> None:
    if task not in Task.values:
        raise ValidationError({"task": _("Choose a valid task.")})
    if engagement_id is None and task in NEEDS_ENGAGEMENT:
        raise ValidationError({"engagement": _("Chargeable work needs an engagement.")})
    if engagement_id is not None and task in NO_ENGAGEMENT:
        raise ValidationError({"engagement": _("Leave is not booked to an engagement.")})
    if (
        engagement_id is not None
        and not loggable_engagements(actor, sheet.firm_id).filter(pk=engagement_id).exists()
    ):
        raise ValidationError({"engagement": _("Time cannot be booked to this engagement.")})


@transaction.atomic
def add_row(actor, week: datetime.date, engagement_id: int | None, task: str) -> TimesheetRow:
    sheet = _lock(sheet_for(actor, week, create=True))
    _check_writer(actor, sheet)
    _check_line(actor, sheet, engagement_id, task)
    row, _created = TimesheetRow.objects.get_or_create(sheet=sheet, engagement_id=engagement_id, task=task)
    return row


@transaction.atomic
def remove_row(actor, sheet: Timesheet, engagement_id: int | None, task: str) -> None:
    """Remove a line and its unsubmitted hours; lines with submitted or approved hours stay."""
    sheet = _lock(sheet)
    _check_writer(actor, sheet)
    entries = list(sheet.entries.filter(engagement_id=engagement_id, task=task))
    if any(entry.status not in EDITABLE for entry in entries):
        raise ValidationError(_("This line has submitted or approved hours; it cannot be removed."))
    for entry in entries:
        entry.delete()
    TimesheetRow.objects.filter(sheet=sheet, engagement_id=engagement_id, task=task).delete()


@transaction.atomic
def copy_last_week(actor, week: datetime.date) -> int:
    """Add last week's lines (not its hours) to this week; returns how many lines were added."""
    sheet = _lock(sheet_for(actor, week, create=True))
    _check_writer(actor, sheet)
    previous = sheet_for(actor, sheet.week_start - datetime.timedelta(days=7), firm_id=sheet.firm_id)
    if previous is None:
        return 0
    lines = set(previous.rows.values_list("engagement_id", "task"))
    lines |= set(previous.entries.values_list("engagement_id", "task"))
    lines -= set(sheet.rows.values_list("engagement_id", "task"))
    open_ids = set(loggable_engagements(actor, sheet.firm_id).values_list("pk", flat=True))
    added = 0
    for engagement_id, task in sorted(lines, key=lambda line: (line[0] or 0, line[1])):
        if engagement_id is None or engagement_id in open_ids:
            TimesheetRow.objects.create(sheet=sheet, engagement_id=engagement_id, task=task)
            added += 1
    return added


@transaction.atomic
def save_cells(actor, week: datetime.date, cells: list[Cell]) -> Timesheet:
    """Apply the cells in one go: everything is saved, or nothing and every problem is reported."""
    sheet = _lock(sheet_for(actor, week, create=True))
    _check_writer(actor, sheet)
    profile = profile_for(actor, sheet.firm_id)
    existing = {
        (e.engagement_id, e.task, e.date): e
        for e in TimeEntry.objects.filter(user_id=sheet.user_id, date__range=_week(sheet))
    }
    errors: dict[str, list[str]] = defaultdict(list)
    plan = []
    checked_lines = set()
    for cell in cells:
        try:
            hours = parse_hours(cell.hours)
            if not _changes(cell, hours, existing.get((cell.engagement_id, cell.task, cell.date))):
                continue
            _check_cell(actor, sheet, profile, cell, hours, existing, checked_lines)
        except ValidationError as error:
            _collect(errors, cell, error)
            continue
        plan.append((cell, hours))
    _check_days(sheet, plan, existing, errors)
    if errors:
        raise ValidationError(dict(errors))
    for cell, hours in plan:
        _apply(sheet, cell, hours, existing.get((cell.engagement_id, cell.task, cell.date)))
    return sheet


def _week(sheet) -> tuple[datetime.date, datetime.date]:
    return sheet.week_start, sheet.week_start + datetime.timedelta(days=6)


def _check_cell(actor, sheet, profile, cell, hours, existing, checked_lines) -> None:
    first, last = _week(sheet)
    if not first <= cell.date <= last:
        raise ValidationError({"date": _("The date is outside this week.")})
    if profile.joined and cell.date < profile.joined:
        raise ValidationError({"date": _("You joined the firm on %(day)s.") % {"day": profile.joined}})
    if profile.left and cell.date > profile.left:
        raise ValidationError({"date": _("You left the firm on %(day)s.") % {"day": profile.left}})
    line = (cell.engagement_id, cell.task)
    if line not in checked_lines:
        _check_line(actor, sheet, *line)
        checked_lines.add(line)
    entry = existing.get((cell.engagement_id, cell.task, cell.date))
    if entry is not None and entry.status not in EDITABLE:
        if entry.status == Status.APPROVED:
            raise ValidationError(
                {"hours": _("Approved time is locked; ask your manager to reopen the week.")}
            )
        raise ValidationError({"hours": _("Submitted time waits for approval and cannot be changed.")})
    if hours is not None:
        try:
            validate_hours(hours)
        except ValidationError as error:
            raise ValidationError({"hours": error.messages}) from None


def _check_days(sheet, plan, existing, errors) -> None:
    totals: dict[datetime.date, Decimal] = defaultdict(Decimal)
    for (_engagement, _task, day), entry in existing.items():
        totals[day] += entry.hours
    for cell, hours in plan:
        entry = existing.get((cell.engagement_id, cell.task, cell.date))
        totals[cell.date] += (hours or 0) - (entry.hours if entry else 0)
    for cell, _hours in plan:
        if totals[cell.date] > DAY_HOURS:
            message = _("%(day)s would have %(total)s hours; a day has at most 24.") % {
                "day": cell.date.isoformat(),
                "total": totals[cell.date].normalize(),
            }
            _collect(errors, cell, ValidationError({"hours": message}))


def _collect(errors, cell, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            errors[cell.key or field].extend(messages)
    else:
        errors[cell.key or "__all__"].extend(error.messages)


def _changes(cell: Cell, hours, entry: TimeEntry | None) -> bool:
    if entry is None:
        return hours is not None
    if hours != entry.hours:
        return True
    return cell.note is not None and cell.note.strip()[:500] != entry.note


def _apply(sheet, cell: Cell, hours, entry: TimeEntry | None) -> None:
    if entry is not None and hours is None:
        entry.delete()
        return
    if entry is None:
        TimesheetRow.objects.get_or_create(sheet=sheet, engagement_id=cell.engagement_id, task=cell.task)
        entry = TimeEntry(
            sheet=sheet,
            firm_id=sheet.firm_id,
            office_id=sheet.office_id,
            user_id=sheet.user_id,
            date=cell.date,
            engagement_id=cell.engagement_id,
            task=cell.task,
        )
    entry.hours = hours
    if cell.note is not None:
        entry.note = cell.note.strip()[:500]
    entry.status = Status.DRAFT  # a rejected entry, once corrected, is a draft again
    entry.save()


# Single entries, for the API.


def create_entry(actor, *, date, engagement=None, task, hours, note="") -> TimeEntry:
    engagement_id = engagement.pk if engagement else None
    if TimeEntry.objects.filter(user=actor, date=date, engagement_id=engagement_id, task=task).exists():
        raise ValidationError({"date": _("There is already an entry for this day, engagement and task.")})
    sheet = save_cells(actor, date, [Cell(engagement_id, task, date, hours, note or "")])
    return TimeEntry.objects.get(sheet=sheet, date=date, engagement_id=engagement_id, task=task)


@transaction.atomic
def update_entry(actor, entry: TimeEntry, **changes) -> TimeEntry:
    """Change an entry's hours or note (moving it to another day or line is a delete and a create)."""
    unknown = set(changes) - {"hours", "note"}
    if unknown:
        raise ValidationError(
            {
                field: _("This field cannot be changed; delete the entry and create another.")
                for field in unknown
            }
        )
    _guard(actor, entry)
    hours = changes.get("hours", entry.hours)
    if not hours:
        raise ValidationError({"hours": _("To remove the hours, delete the entry.")})
    cell = Cell(entry.engagement_id, entry.task, entry.date, hours, changes.get("note"))
    save_cells(actor, entry.date, [cell])
    return TimeEntry.objects.get(pk=entry.pk)


@transaction.atomic
def delete_entry(actor, entry: TimeEntry) -> None:
    _guard(actor, entry)
    save_cells(actor, entry.date, [Cell(entry.engagement_id, entry.task, entry.date, None)])


def _guard(actor, entry: TimeEntry) -> None:
    if actor.pk != entry.user_id:
        raise PermissionDenied(_("You may record only your own time."))
    if entry.status == Status.APPROVED:
        raise ValidationError({"hours": _("Approved time is locked; ask your manager to reopen the week.")})
