from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BillingConfig(AppConfig):
    name = "cpahub.billing"
    verbose_name = _("Fees and billing")

    def ready(self):
        from cpahub.accounts.choices import Role
        from cpahub.core.navigation import MenuGroup, MenuItem, register
        from cpahub.practice.access import FINANCE

        managers = (*FINANCE, Role.MANAGER)
        register(
            MenuGroup(
                _("Billing"),
                (
                    MenuItem(_("Work in progress"), "billing:wip", managers, "hourglass-split"),
                    MenuItem(_("Invoices"), "billing:invoice_list", FINANCE, "receipt"),
                    MenuItem(_("Receipts"), "billing:receipt_list", FINANCE, "cash-coin"),
                    MenuItem(_("Receivables ageing"), "billing:ageing", FINANCE, "calendar3"),
                    MenuItem(_("Realisation"), "billing:realisation", managers, "percent"),
                    MenuItem(_("Fee agreements"), "billing:agreement_list", managers, "file-earmark-text"),
                    MenuItem(_("Expenses"), "billing:expense_list", managers, "wallet2"),
                    MenuItem(
                        _("Write-ons and write-offs"), "billing:adjustment_list", managers, "pencil-square"
                    ),
                ),
            )
        )
