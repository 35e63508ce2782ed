"""Time (工时): entries per person, day, engagement and task, grouped in weekly timesheets.

An entry's grade and rates are copied from the person's grade when it is approved, so that WIP and
reports keep the rates of that day when the firm changes its rates later.
"""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cpahub.accounts.choices import OrgKind
from cpahub.accounts.models import Organisation
from cpahub.core.models import ChangeLoggedModel
from cpahub.core.permissions import EXPORT, NOTHING, VIEW, RestrictedManager
from cpahub.engagements.models import Engagement
from cpahub.practice.models import MONEY, Grade
from cpahub.timesheets import access
from cpahub.timesheets.choices import EventKind, Status, Task, chargeable_q

FIRM_ONLY = {"kind": OrgKind.FIRM, "parent__isnull": True}
QUARTER = Decimal("0.25")
DAY_HOURS = Decimal("24")


def validate_hours(value) -> None:
    if value is None or value <= 0 or value > DAY_HOURS or value % QUARTER:
        raise ValidationError(
            _("Hours must be a multiple of 0.25 between 0.25 and 24 (got %(value)s)."),
            code="hours",
            params={"value": value},
        )


def validate_monday(value) -> None:
    if value.weekday() != 0:
        raise ValidationError(_("A week starts on a Monday."), code="week_start")


class Timesheet(ChangeLoggedModel):
    """One person's week (Monday to Sunday): submitted as a whole, approved line by line."""

    firm = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", limit_choices_to=FIRM_ONLY
    )
    office = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="timesheets",
        verbose_name=_("person"),
        db_index=False,  # the unique constraint leads with user
    )
    week_start = models.DateField(_("week starting"), validators=[validate_monday])
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    reject_reason = models.TextField(_("reason for rejection"), blank=True)

    class Meta:
        verbose_name = _("timesheet")
        verbose_name_plural = _("timesheets")
        ordering = ["-week_start", "user_id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "firm", "week_start"], name="timesheet_unique_week")
        ]
        indexes = [models.Index(fields=["firm", "status", "week_start"], name="timesheet_firm_status")]

    def __str__(self):
        return _("%(person)s, week of %(week)s") % {"person": self.user, "week": self.week_start.isoformat()}

    def get_absolute_url(self):
        return reverse("timesheets:sheet_detail", args=[self.pk])

    @property
    def changelog_owner_id(self):
        return self.firm_id

    @property
    def editable(self) -> bool:
        return self.status in (Status.DRAFT, Status.REJECTED)

    @classmethod
    def restrict_q(cls, scope, action):
        if action in (VIEW, EXPORT):
            return access.sheet_view_q(scope)
        return access.own_q(scope)


class TimesheetRow(ChangeLoggedModel):
    """A line of the weekly grid (engagement + task), kept even while its cells are empty."""

    sheet = models.ForeignKey(Timesheet, on_delete=models.CASCADE, related_name="rows")
    # A line is only layout: it goes with its engagement (the entries themselves protect it).
    engagement = models.ForeignKey(
        Engagement, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    task = models.CharField(_("task"), max_length=20, choices=Task.choices)

    class Meta:
        verbose_name = _("timesheet line")
        verbose_name_plural = _("timesheet lines")
        ordering = ["sheet", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["sheet", "engagement", "task"],
                condition=models.Q(engagement__isnull=False),
                name="timesheet_row_unique",
            ),
            models.UniqueConstraint(
                fields=["sheet", "task"],
                condition=models.Q(engagement__isnull=True),
                name="timesheet_row_unique_other",
            ),
        ]

    def __str__(self):
        return f"{self.engagement or '-'} · {self.get_task_display()}"

    @property
    def changelog_owner_id(self):
        return self.sheet.firm_id

    @classmethod
    def restrict_q(cls, scope, action):
        if action in (VIEW, EXPORT):
            return access.sheet_view_q(scope, prefix="sheet__")
        return access.own_q(scope, prefix="sheet__")


class TimeEntry(ChangeLoggedModel):
    """Hours of one person on one day for one engagement (or none) and task."""

    sheet = models.ForeignKey(Timesheet, on_delete=models.PROTECT, related_name="entries")
    firm = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", limit_choices_to=FIRM_ONLY, db_index=False
    )
    office = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="time_entries",
        verbose_name=_("person"),
        db_index=False,
    )
    date = models.DateField(_("date"))
    engagement = models.ForeignKey(
        Engagement,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="time_entries",
        verbose_name=_("engagement"),
        db_index=False,
    )
    task = models.CharField(_("task"), max_length=20, choices=Task.choices)
    hours = models.DecimalField(_("hours"), max_digits=4, decimal_places=2, validators=[validate_hours])
    note = models.CharField(_("note"), max_length=500, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    # Set on submission (for budget vs actual) and again, with the rates, on approval.
    grade = models.ForeignKey(
        Grade,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("grade"),
        db_index=False,  # read through the engagement index; grades are never deleted in bulk
    )
    charge_rate = models.DecimalField(_("charge-out rate per hour"), null=True, blank=True, **MONEY)
    cost_rate = models.DecimalField(_("cost rate per hour"), null=True, blank=True, **MONEY)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("approved by"),
        db_index=False,  # never searched by; people are deactivated, not deleted
    )
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)

    class Meta:
        verbose_name = _("time entry")
        verbose_name_plural = _("time entries")
        ordering = ["date", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "date", "engagement", "task"],
                condition=models.Q(engagement__isnull=False),
                name="time_entry_unique_cell",
            ),
            models.UniqueConstraint(
                fields=["user", "date", "task"],
                condition=models.Q(engagement__isnull=True),
                name="time_entry_unique_cell_other",
            ),
            models.CheckConstraint(
                condition=models.Q(hours__gt=0, hours__lte=24), name="time_entry_hours_range"
            ),
        ]
        indexes = [
            # a person's days and weeks; the 24-hour check
            models.Index(fields=["user", "date"], name="time_entry_user_date"),
            # utilisation and the firm's reports over a period
            models.Index(fields=["firm", "date"], name="time_entry_firm_date"),
            # budget vs actual, approvals, WIP
            models.Index(fields=["engagement", "status", "grade"], name="time_entry_engagement"),
        ]

    def __str__(self):
        return f"{self.user} {self.date.isoformat()} {self.get_task_display()} {self.hours}h"

    def get_absolute_url(self):
        return reverse("timesheets:sheet_detail", args=[self.sheet_id])

    @property
    def changelog_owner_id(self):
        return self.firm_id

    @property
    def locked(self) -> bool:
        return self.status == Status.APPROVED

    @classmethod
    def restrict_q(cls, scope, action):
        if action in (VIEW, EXPORT):
            return access.entry_view_q(scope)
        return access.own_q(scope)


def with_totals(sheets):
    """Weeks with their total and chargeable hours (summed in the database)."""
    return (
        sheets.select_related("user", "office")
        .annotate(
            total_hours=models.Sum("entries__hours"),
            chargeable_hours=models.Sum("entries__hours", filter=chargeable_q("entries__")),
        )
        .order_by("-week_start", "user__display_name", "pk")
    )


class TimesheetEvent(models.Model):
    """A decision on a timesheet: submitted, approved, rejected or reopened (with the reason)."""

    sheet = models.ForeignKey(Timesheet, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("event"), max_length=10, choices=EventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("by")
    )
    time = models.DateTimeField(_("time"), auto_now_add=True)
    engagement = models.ForeignKey(
        Engagement, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    lines = models.CharField(_("lines"), max_length=300, blank=True)
    hours = models.DecimalField(_("hours"), max_digits=8, decimal_places=2, default=0)
    reason = models.TextField(_("reason"), blank=True)

    objects = RestrictedManager()

    class Meta:
        verbose_name = _("timesheet event")
        verbose_name_plural = _("timesheet events")
        ordering = ["sheet", "time", "pk"]

    def __str__(self):
        return f"{self.sheet} {self.get_kind_display()}"

    @classmethod
    def restrict_q(cls, scope, action):
        if action != VIEW:
            return NOTHING  # written by the services only
        return access.sheet_view_q(scope, prefix="sheet__")
