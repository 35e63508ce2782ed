"""The canonical fields a mapping profile can fill, in the order and with the names people see.

`formats.tabular.profiles.FIELDS` says which fields each kind of content has; this module only adds
labels, an order and which ones are shown first. A test checks that both list the same fields.
"""

from __future__ import annotations

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from cpahub.ledgers.formats.tabular.profiles import REQUIRED

LABELS = {
    "voucher_date": _("Voucher date"),
    "period_label": _("Period (such as 2024.01)"),
    "fiscal_year": _("Fiscal year"),
    "period": _("Period number"),
    "voucher": _("Voucher (type and number, such as 记-12)"),
    "voucher_type": _("Voucher type"),
    "voucher_number": _("Voucher number"),
    "line_number": _("Line number"),
    "description": _("Description"),
    "account_code": _("Account code"),
    "account_name": _("Account name"),
    "debit": _("Debit"),
    "credit": _("Credit"),
    "amount": _("Amount (one column)"),
    "direction": _("Debit/credit indicator"),
    "currency": _("Currency"),
    "fx_amount": _("Foreign-currency amount"),
    "fx_debit": _("Foreign-currency debit"),
    "fx_credit": _("Foreign-currency credit"),
    "fx_rate": _("Exchange rate"),
    "quantity": _("Quantity"),
    "auxiliary": _("Auxiliary accounting (in one cell)"),
    "customer": _("Customer"),
    "supplier": _("Supplier"),
    "department": _("Department"),
    "project": _("Project"),
    "employee": _("Employee"),
    "inventory": _("Inventory"),
    "other_dimensions": _("Other dimensions"),
    "cash_flow_item": _("Cash-flow item"),
    "attachments": _("Attachments"),
    "preparer": _("Prepared by"),
    "reviewer": _("Reviewed by"),
    "poster": _("Posted by"),
    "entered_at": _("Entered at"),
    "posted": _("Posted"),
    "void": _("Void"),
    "source": _("Source"),
    "opening": _("Opening balance (signed, debit positive)"),
    "opening_direction": _("Opening balance direction"),
    "opening_debit": _("Opening debit balance"),
    "opening_credit": _("Opening credit balance"),
    "closing": _("Closing balance (signed, debit positive)"),
    "closing_direction": _("Closing balance direction"),
    "closing_debit": _("Closing debit balance"),
    "closing_credit": _("Closing credit balance"),
    "opening_fx": _("Opening foreign-currency balance"),
    "closing_fx": _("Closing foreign-currency balance"),
    "opening_quantity": _("Opening quantity"),
    "closing_quantity": _("Closing quantity"),
    "dimension_type": _("Auxiliary kind"),
    "dimension_code": _("Auxiliary code"),
    "level": _("Level"),
    "parent_code": _("Parent account code"),
    "account_type": _("Account class"),
    "normal_balance": _("Normal balance"),
    "dimension_types": _("Auxiliary accounting kinds"),
    "ignore": _("Not used"),
}
# Columns of the canonical tables that are not profile fields (shown in previews).
COLUMN_LABELS = {
    "code": _("Account code"),
    "name": _("Account name"),
    "type": _("Account class"),
    "is_leaf": _("Leaf account"),
    "dimension_type": _("Auxiliary kind"),
    "dimension_code": _("Auxiliary code"),
}
# Per kind: the fields shown first, then the others ("more fields").
ORDER = {
    "lines": (
        [
            "voucher_date",
            "period_label",
            "voucher",
            "voucher_type",
            "voucher_number",
            "line_number",
            "description",
            "account_code",
            "account_name",
            "debit",
            "credit",
            "amount",
            "direction",
            "auxiliary",
        ],
        [
            "fiscal_year",
            "period",
            "currency",
            "fx_amount",
            "fx_debit",
            "fx_credit",
            "fx_rate",
            "quantity",
            "customer",
            "supplier",
            "department",
            "project",
            "employee",
            "inventory",
            "other_dimensions",
            "cash_flow_item",
            "attachments",
            "preparer",
            "reviewer",
            "poster",
            "entered_at",
            "posted",
            "void",
            "source",
        ],
    ),
    "balances": (
        [
            "account_code",
            "account_name",
            "opening",
            "opening_direction",
            "opening_debit",
            "opening_credit",
            "debit",
            "credit",
            "closing",
            "closing_direction",
            "closing_debit",
            "closing_credit",
        ],
        [
            "currency",
            "opening_fx",
            "closing_fx",
            "opening_quantity",
            "closing_quantity",
            "auxiliary",
            "dimension_type",
            "dimension_code",
        ],
    ),
    "accounts": (
        ["account_code", "account_name", "level", "parent_code", "account_type", "normal_balance"],
        ["dimension_types", "currency"],
    ),
}


def fields(kind: str) -> list[str]:
    main, more = ORDER[kind]
    return [*main, *more]


def label(field: str):
    return LABELS.get(field, field)


def column_label(column: str):
    return COLUMN_LABELS.get(column) or LABELS.get(column, column)


def required_fields(kind: str) -> set[str]:
    """Fields that are required on their own (no alternative)."""
    result: set[str] = set()
    for alternatives in REQUIRED[kind]:
        if len(alternatives) == 1 and len(alternatives[0]) == 1:
            result |= alternatives[0]
    return result


def describe_group(group: set[str]):
    """ "Debit and Credit" for a set of fields (in the display order)."""
    ordered = [f for f in LABELS if f in group]
    text = ordered[0] if ordered else ""
    result = label(text)
    for field in ordered[1:]:
        result = format_lazy(_("{} and {}"), result, label(field))
    return result


def unmet(kind: str, mapped: set[str]) -> list[tuple[list[set[str]], object]]:
    """The requirements of `kind` that `mapped` does not meet: (alternatives, description)."""
    problems = []
    for alternatives in REQUIRED[kind]:
        if any(group <= mapped for group in alternatives):
            continue
        text = describe_group(alternatives[0])
        for group in alternatives[1:]:
            text = format_lazy(_("{}, or {}"), text, describe_group(group))
        problems.append((alternatives, text))
    return problems


def missing(kind: str, mapped: set[str]) -> list:
    """The requirements of `kind` that `mapped` does not meet, described for people."""
    return [text for _alternatives, text in unmet(kind, mapped)]
