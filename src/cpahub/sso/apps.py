from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SsoConfig(AppConfig):
    name = "cpahub.sso"
    verbose_name = _("Single sign-on")

    def ready(self):
        from cpahub.sso import checks  # noqa: F401 - registers the configuration checks
