from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "cpahub.core"
    verbose_name = _("Core")

    def ready(self):
        from cpahub.core import changelog

        changelog.connect_signals()
