from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeteringConfig(AppConfig):
    name = "cpahub.metering"
    verbose_name = _("Usage")

    def ready(self):
        from cpahub.accounts.choices import PROVINCE_ROLES, Role
        from cpahub.core.navigation import MenuGroup, MenuItem, register

        register(
            MenuGroup(
                _("Usage"),
                (
                    MenuItem(
                        _("Platform usage by firm"),
                        "metering:usage",
                        (*PROVINCE_ROLES, Role.CITY_STAFF, Role.FIRM_ADMIN, Role.PARTNER),
                        "speedometer2",
                    ),
                ),
            )
        )
