from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "cpahub.accounts"
    verbose_name = _("Accounts and organisations")

    def ready(self):
        from cpahub.accounts import security  # noqa: F401 - connects login/logout/lockout receivers
        from cpahub.accounts.choices import Role
        from cpahub.core.navigation import MenuGroup, MenuItem, register

        register(
            MenuGroup(
                _("Administration"),
                (
                    MenuItem(_("Staff"), "accounts:staff", roles=(Role.FIRM_ADMIN,), icon="people"),
                    MenuItem(
                        _("Organisations and people"),
                        "accounts:organisation_list",
                        roles=(Role.SECURITY_ADMIN, Role.ASSOCIATION_STAFF, Role.CITY_STAFF),
                        icon="buildings",
                    ),
                    MenuItem(
                        _("People"),
                        "accounts:people",
                        roles=(Role.SECURITY_ADMIN, Role.ASSOCIATION_STAFF),
                        icon="person-lines-fill",
                    ),
                    MenuItem(
                        _("Security log"),
                        "accounts:security_log",
                        roles=(Role.AUDIT_ADMIN,),
                        icon="journal-lock",
                    ),
                ),
            )
        )
