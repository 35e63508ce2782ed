from django.utils.translation import gettext_lazy as _

from cpahub.core.tables import Column, Table


def _money(value):
    return None if value is None else f"{value:,.2f}"


class AgreementTable(Table):
    columns = (
        Column(
            "engagement",
            _("Engagement"),
            accessor=lambda a: f"{a.engagement.code} {a.engagement.name}",
            link=True,
        ),
        Column("client", _("Client"), accessor="engagement.client.name"),
        Column("basis", _("Fee basis")),
        Column("amount", _("Agreed amount"), accessor=lambda a: _money(a.amount)),
        Column("contracted_fee", _("Contracted fee"), accessor=lambda a: _money(a.engagement.contracted_fee)),
        Column("tax_rate", _("VAT rate")),
        Column("letter_number", _("Engagement letter number")),
    )


class ExpenseTable(Table):
    columns = (
        Column("date", _("Date"), link=True),
        Column("engagement", _("Engagement"), accessor="engagement.code"),
        Column("category", _("Category")),
        Column("description", _("Description")),
        Column("amount", _("Amount"), accessor=lambda e: _money(e.amount)),
        Column("billable", _("Billable")),
        Column("incurred_by", _("Incurred by")),
        Column("status", _("Status")),
    )


class AdjustmentTable(Table):
    columns = (
        Column("date", _("Date"), link=True),
        Column("engagement", _("Engagement"), accessor="engagement.code"),
        Column("kind", _("Write-on or write-off")),
        Column("amount", _("Amount"), accessor=lambda a: _money(a.amount)),
        Column("reason", _("Reason")),
        Column("requested_by", _("Requested by")),
        Column("status", _("Status")),
        Column("decided_by", _("Decided by")),
    )


class InvoiceTable(Table):
    columns = (
        Column("number", _("Invoice number"), accessor=lambda i: str(i), link=True),
        Column("issue_date", _("Issue date")),
        Column("due_date", _("Due date")),
        Column("client", _("Client"), accessor="client.name"),
        Column("net_amount", _("Amount excluding VAT"), accessor=lambda i: _money(i.net_amount)),
        Column("tax_amount", _("VAT"), accessor=lambda i: _money(i.tax_amount)),
        Column("gross_amount", _("Total including VAT"), accessor=lambda i: _money(i.gross_amount)),
        Column("status", _("Status")),
        Column("e_invoice_number", _("Electronic invoice number")),
    )


class ReceiptTable(Table):
    columns = (
        Column("date", _("Date received"), link=True),
        Column("payer", _("Payer")),
        Column("client", _("Client"), accessor="client.name"),
        Column("amount", _("Amount"), accessor=lambda r: _money(r.amount)),
        Column("unallocated", _("Unallocated"), accessor=lambda r: _money(r.unallocated)),
        Column("method", _("Method")),
        Column("bank_reference", _("Bank reference")),
    )
