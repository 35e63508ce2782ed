from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LedgersConfig(AppConfig):
    name = "cpahub.ledgers"
    verbose_name = _("Audit data (ledgers)")

    def ready(self):
        from cpahub.accounts.choices import FIRM_ROLES
        from cpahub.core.navigation import MenuGroup, MenuItem, register

        register(
            MenuGroup(
                _("Audit data"),
                (
                    MenuItem(
                        _("Imported ledgers"), "ledgers:snapshot_list", tuple(FIRM_ROLES), "journal-bookmark"
                    ),
                    MenuItem(_("Import a ledger"), "ledgers:upload", tuple(FIRM_ROLES), "upload"),
                    MenuItem(_("Mapping profiles"), "ledgers:profile_list", tuple(FIRM_ROLES), "diagram-3"),
                ),
            )
        )
