from django.utils.translation import gettext_lazy as _

from cpahub.core.tables import Column, Table


class SheetTable(Table):
    columns = (
        Column("week_start", _("Week starting"), link=True),
        Column("user", _("Person")),
        Column("office", _("Office")),
        Column("status", _("Status")),
        Column("total_hours", _("Hours")),
        Column("chargeable_hours", _("Chargeable hours")),
        Column("submitted_at", _("Submitted")),
    )


class EntryTable(Table):
    columns = (
        Column("date", _("Date"), link=True),
        Column("user", _("Person")),
        Column("engagement.code", _("Engagement")),
        Column("task", _("Task")),
        Column("hours", _("Hours")),
        Column("status", _("Status")),
        Column("grade", _("Grade")),
        Column("charge_rate", _("Charge-out rate per hour")),
        Column("note", _("Note")),
    )
