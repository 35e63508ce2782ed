from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "cpahub.registry"
    verbose_name = _("Industry registry")

    def ready(self):
        from cpahub.accounts.choices import FIRM_ROLES, PROVINCE_ROLES, Role
        from cpahub.core.navigation import MenuGroup, MenuItem, register

        industry = (*PROVINCE_ROLES, Role.CITY_STAFF, Role.REGULATOR_READER)
        register(
            MenuGroup(
                _("Industry registry"),
                (
                    MenuItem(_("Firms"), "registry:firm_list", (*industry, *FIRM_ROLES), "building"),
                    MenuItem(_("CPAs"), "registry:cpa_list", (*industry, *FIRM_ROLES), "people"),
                    MenuItem(
                        _("Penalties"),
                        "registry:penalty_list",
                        (*industry, *FIRM_ROLES),
                        "exclamation-octagon",
                    ),
                    MenuItem(_("Industry cases"), "registry:case_list", industry, "journal-text"),
                    MenuItem(
                        _("Firm applications"),
                        "registry:application_list",
                        (*PROVINCE_ROLES, Role.CITY_STAFF),
                        "inbox",
                    ),
                    MenuItem(
                        _("Import and export"),
                        "registry_import:upload",
                        (*PROVINCE_ROLES, Role.CITY_STAFF),
                        "arrow-down-up",
                    ),
                    MenuItem(
                        _("Change log"),
                        "core:change_list",
                        (*PROVINCE_ROLES, Role.CITY_STAFF, Role.FIRM_ADMIN, Role.AUDIT_ADMIN),
                        "clock-history",
                    ),
                ),
            )
        )
