"""Django admin (system administrator only): time is read only here.

Time is written through `timesheets.services` alone, which enforce the lock on approved entries and
the approval rules; the admin shows rows for operating the platform and changes nothing.
"""

from django.contrib import admin

from cpahub.core.admin_site import ReadOnlyAdmin
from cpahub.timesheets.models import TimeEntry, Timesheet, TimesheetEvent


@admin.register(Timesheet)
class TimesheetAdmin(ReadOnlyAdmin):
    list_display = ["pk", "user", "firm", "week_start", "status", "submitted_at"]
    list_filter = ["status"]
    list_select_related = ["user", "firm"]
    search_fields = ["user__username", "user__display_name"]


@admin.register(TimeEntry)
class TimeEntryAdmin(ReadOnlyAdmin):
    list_display = ["pk", "user", "date", "engagement", "task", "hours", "status", "grade", "charge_rate"]
    list_filter = ["status", "task"]
    list_select_related = ["user", "engagement", "grade"]
    search_fields = ["user__username", "engagement__code"]
    date_hierarchy = "date"


@admin.register(TimesheetEvent)
class TimesheetEventAdmin(ReadOnlyAdmin):
    list_display = ["pk", "sheet", "kind", "actor", "time", "lines", "hours"]
    list_filter = ["kind"]
