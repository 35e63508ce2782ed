"""Money received (收款) and its allocation to invoices (核销)."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cpahub.billing.access import finance_q
from cpahub.billing.choices import PaymentMethod
from cpahub.billing.models.invoices import Invoice, _FirmDocument
from cpahub.clients.models import Client
from cpahub.core.models import ChangeLoggedModel
from cpahub.practice.models import MONEY

POSITIVE = [MinValueValidator(Decimal("0.01"))]


class Receipt(_FirmDocument):
    client = models.ForeignKey(
        Client,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="receipts",
        verbose_name=_("client"),
    )
    payer = models.CharField(_("payer"), max_length=200)
    date = models.DateField(_("date received"))
    amount = models.DecimalField(_("amount"), validators=POSITIVE, **MONEY)
    method = models.CharField(
        _("method"), max_length=12, choices=PaymentMethod.choices, default=PaymentMethod.BANK
    )
    bank_reference = models.CharField(_("bank reference"), max_length=60, blank=True)
    notes = models.CharField(_("notes"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("receipt")
        verbose_name_plural = _("receipts")
        ordering = ["-date", "-pk"]
        indexes = [models.Index(fields=["firm", "date"])]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.payer} {self.amount}"

    def get_absolute_url(self):
        return reverse("billing:receipt_detail", args=[self.pk])


class Allocation(ChangeLoggedModel):
    """Part of a receipt applied to an invoice."""

    receipt = models.ForeignKey(Receipt, on_delete=models.CASCADE, related_name="allocations")
    invoice = models.ForeignKey(
        Invoice, on_delete=models.PROTECT, related_name="allocations", verbose_name=_("invoice")
    )
    amount = models.DecimalField(_("amount"), validators=POSITIVE, **MONEY)
    allocated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("allocation")
        verbose_name_plural = _("allocations")
        ordering = ["receipt", "pk"]

    def __str__(self):
        return f"{self.invoice} ← {self.amount}"

    def get_absolute_url(self):
        return self.receipt.get_absolute_url()

    @property
    def changelog_owner_id(self):
        return self.receipt.firm_id

    @classmethod
    def restrict_q(cls, scope, action):
        return finance_q(scope, "receipt__")
