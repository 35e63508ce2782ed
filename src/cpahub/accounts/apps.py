from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "cpahub.accounts"
    verbose_name = _("Accounts and organisations")

    def ready(self):
        from cpahub.accounts import security  # noqa: F401 - connects login/logout receivers
