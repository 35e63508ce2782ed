from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TimesheetsConfig(AppConfig):
    name = "cpahub.timesheets"
    verbose_name = _("Time")
