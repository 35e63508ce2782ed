from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClientsConfig(AppConfig):
    name = "cpahub.clients"
    verbose_name = _("Clients")

    def ready(self):
        from cpahub.accounts.choices import FIRM_ROLES
        from cpahub.core.navigation import MenuGroup, MenuItem, register
        from cpahub.practice.access import MANAGERS

        register(
            MenuGroup(
                _("Clients"),
                (
                    MenuItem(_("Clients"), "clients:client_list", tuple(FIRM_ROLES), "person-vcard"),
                    MenuItem(_("New client"), "clients:client_add", MANAGERS, "plus-lg"),
                    MenuItem(_("Import clients"), "clients:import_upload", MANAGERS, "upload"),
                    MenuItem(
                        _("Client blacklist"), "clients:blacklist_list", tuple(FIRM_ROLES), "slash-circle"
                    ),
                ),
            )
        )
