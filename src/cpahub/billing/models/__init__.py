from cpahub.billing.models.agreements import FeeAgreement, FeeMilestone, RateOverride
from cpahub.billing.models.costs import Expense, WipAdjustment
from cpahub.billing.models.invoices import CreditNote, Invoice, InvoiceLine, NumberCounter
from cpahub.billing.models.receipts import Allocation, Receipt

__all__ = [
    "Allocation",
    "CreditNote",
    "Expense",
    "FeeAgreement",
    "FeeMilestone",
    "Invoice",
    "InvoiceLine",
    "NumberCounter",
    "RateOverride",
    "Receipt",
    "WipAdjustment",
]
