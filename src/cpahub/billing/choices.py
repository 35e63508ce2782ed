from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# VAT on professional (modern) services for general taxpayers (财税〔2016〕36号).
DEFAULT_VAT_RATE = Decimal("0.06")
FEN = Decimal("0.01")


class FeeBasis(models.TextChoices):
    FIXED = "fixed", _("Fixed fee")
    HOURLY = "hourly", _("Hourly by grade")
    CAPPED = "capped", _("Hourly up to a cap")
    MILESTONE = "milestone", _("By milestone")


# Bases whose agreed amount is a ceiling on the fees billed.
CAPPED_BASES = (FeeBasis.FIXED, FeeBasis.CAPPED)


class ExpenseCategory(models.TextChoices):
    TRAVEL = "travel", _("Travel")
    ACCOMMODATION = "accommodation", _("Accommodation")
    LOCAL_TRANSPORT = "transport", _("Local transport")
    MEALS = "meals", _("Meals")
    PRINTING = "printing", _("Printing and binding")
    COURIER = "courier", _("Courier and postage")
    OTHER = "other", _("Other")


class Decision(models.TextChoices):
    PENDING = "pending", _("Awaiting approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class AdjustmentKind(models.TextChoices):
    WRITE_ON = "write_on", _("Write-on")
    WRITE_OFF = "write_off", _("Write-off")


class InvoiceStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ISSUED = "issued", _("Issued")
    PART_PAID = "part_paid", _("Partly paid")
    PAID = "paid", _("Paid")
    CREDITED = "credited", _("Credited in full")
    CANCELLED = "cancelled", pgettext_lazy("invoice status", "Cancelled")


# Invoices that count as billed and owed (issued and not voided).
LIVE_STATUSES = (InvoiceStatus.ISSUED, InvoiceStatus.PART_PAID, InvoiceStatus.PAID, InvoiceStatus.CREDITED)
# Invoices a receipt may still be allocated to or a credit note raised against.
OPEN_STATUSES = (InvoiceStatus.ISSUED, InvoiceStatus.PART_PAID)


class LineKind(models.TextChoices):
    FEE = "fee", _("Professional fees")
    EXPENSES = "expenses", _("Disbursements")


class PaymentMethod(models.TextChoices):
    BANK = "bank", _("Bank transfer")
    CASH = "cash", _("Cash")
    CHEQUE = "cheque", _("Cheque")
    ACCEPTANCE = "acceptance", _("Bank acceptance bill")
    ONLINE = "online", _("Online payment")
    OTHER = "other", _("Other")


class CounterKind(models.TextChoices):
    INVOICE = "invoice", _("Invoice")
    CREDIT_NOTE = "credit", _("Credit note")


# Receivable and WIP ageing buckets: (key, label, upper bound in days or None).
AGE_BUCKETS = (
    ("d0_30", _("0–30 days"), 30),
    ("d31_90", _("31–90 days"), 90),
    ("d91_180", _("91–180 days"), 180),
    ("d181_365", _("181–365 days"), 365),
    ("d365_plus", _("Over 365 days"), None),
)
BUCKET_KEYS = tuple(key for key, _label, _days in AGE_BUCKETS)
