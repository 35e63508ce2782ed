from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class TimesheetsConfig(AppConfig):
    name = "cpahub.timesheets"
    verbose_name = pgettext_lazy("working time", "Time")

    def ready(self):
        from cpahub.accounts.choices import FIRM_ROLES
        from cpahub.core.navigation import MenuGroup, MenuItem, register
        from cpahub.practice.access import FINANCE, MANAGERS

        everyone = tuple(FIRM_ROLES)
        deciders = tuple(dict.fromkeys((*MANAGERS, *FINANCE)))
        register(
            MenuGroup(
                pgettext_lazy("working time", "Time"),
                (
                    MenuItem(_("My timesheet"), "timesheets:my_timesheet", everyone, "calendar-week"),
                    MenuItem(_("My timesheet history"), "timesheets:history", everyone, "clock-history"),
                    MenuItem(_("Approvals"), "timesheets:approvals", MANAGERS, "check2-square"),
                    MenuItem(_("Timesheets"), "timesheets:sheet_list", deciders, "table"),
                    MenuItem(_("Utilisation"), "timesheets:utilisation", deciders, "speedometer2"),
                    MenuItem(_("Budget vs actual"), "timesheets:budget_report", deciders, "bar-chart"),
                ),
            )
        )
