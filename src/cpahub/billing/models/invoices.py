"""Invoices with their lines, credit notes (红字发票) against them, and the firm's number counters."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cpahub.accounts.models import Organisation
from cpahub.billing.access import finance_q, may_write_finance
from cpahub.billing.choices import DEFAULT_VAT_RATE, CounterKind, InvoiceStatus, LineKind
from cpahub.billing.models.agreements import RATE, FeeMilestone
from cpahub.billing.validators import validate_e_invoice_number
from cpahub.clients.models import Client
from cpahub.core.models import ChangeLoggedModel
from cpahub.engagements.models import Engagement
from cpahub.practice.models import MONEY

USER = settings.AUTH_USER_MODEL
FIRM = {"kind": "firm", "parent__isnull": True}


class NumberCounter(models.Model):
    """The last number given per firm, kind and year; locked row by row so numbers have no gaps."""

    firm = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=CounterKind.choices)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["firm", "kind", "year"], name="billing_counter_unique")
        ]

    def __str__(self):
        return f"{self.kind} {self.year}: {self.last}"


class _FirmDocument(ChangeLoggedModel):
    firm = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to=FIRM,
        verbose_name=_("firm"),
    )
    office = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("office")
    )

    class Meta:
        abstract = True

    @property
    def changelog_owner_id(self):
        return self.firm_id

    @classmethod
    def restrict_q(cls, scope, action):
        return finance_q(scope)

    @classmethod
    def can_add(cls, scope, **context):
        return may_write_finance(scope)


class Invoice(_FirmDocument):
    client = models.ForeignKey(
        Client, on_delete=models.PROTECT, related_name="invoices", verbose_name=_("client")
    )
    number = models.CharField(_("invoice number"), max_length=30, blank=True, db_index=True)
    status = models.CharField(
        _("status"), max_length=10, choices=InvoiceStatus.choices, default=InvoiceStatus.DRAFT, db_index=True
    )
    issue_date = models.DateField(_("issue date"), null=True, blank=True)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    tax_rate = models.DecimalField(_("VAT rate"), default=DEFAULT_VAT_RATE, **RATE)
    prices_include_tax = models.BooleanField(
        _("amounts include VAT"),
        default=False,
        help_text=_("Line amounts are the amounts payable, VAT included (价税合计)."),
    )
    e_invoice_number = models.CharField(
        _("electronic invoice number"),
        max_length=20,
        blank=True,
        validators=[validate_e_invoice_number],
        help_text=_("电子发票号码: the 20 digits of the fully digitalised invoice from the tax system."),
    )
    buyer_name = models.CharField(_("buyer"), max_length=200, blank=True)
    buyer_credit_code = models.CharField(_("buyer's credit code"), max_length=18, blank=True)
    net_amount = models.DecimalField(_("amount excluding VAT"), default=0, **MONEY)
    tax_amount = models.DecimalField(_("VAT"), default=0, **MONEY)
    gross_amount = models.DecimalField(_("total including VAT"), default=0, **MONEY)
    notes = models.TextField(_("notes"), blank=True)
    created_by = models.ForeignKey(USER, null=True, on_delete=models.PROTECT, related_name="+")
    issued_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("issued by")
    )
    cancelled_on = models.DateField(_("cancelled on"), null=True, blank=True)
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        ordering = ["-issue_date", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["firm", "number"], condition=~Q(number=""), name="invoice_unique_number"
            ),
            models.UniqueConstraint(
                fields=["firm", "e_invoice_number"],
                condition=~Q(e_invoice_number=""),
                name="invoice_unique_e_invoice_number",
            ),
        ]
        indexes = [
            models.Index(fields=["firm", "status", "issue_date"]),
            models.Index(fields=["firm", "due_date"]),
        ]

    def __str__(self):
        return self.number or _("Draft invoice %(pk)s") % {"pk": self.pk}

    def get_absolute_url(self):
        return reverse("billing:invoice_detail", args=[self.pk])

    @property
    def is_draft(self) -> bool:
        return self.status == InvoiceStatus.DRAFT


class InvoiceLine(ChangeLoggedModel):
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    engagement = models.ForeignKey(
        Engagement, on_delete=models.PROTECT, related_name="invoice_lines", verbose_name=_("engagement")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=LineKind.choices, default=LineKind.FEE)
    description = models.CharField(_("description"), max_length=200)
    amount = models.DecimalField(
        _("amount"), help_text=_("As entered: including VAT when the invoice says so."), **MONEY
    )
    net = models.DecimalField(_("amount excluding VAT"), **MONEY)
    tax = models.DecimalField(_("VAT"), **MONEY)
    gross = models.DecimalField(_("total including VAT"), **MONEY)
    fee_milestone = models.ForeignKey(
        FeeMilestone,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="invoice_lines",
        verbose_name=_("fee milestone"),
    )

    class Meta:
        verbose_name = _("invoice line")
        verbose_name_plural = _("invoice lines")
        ordering = ["invoice", "pk"]

    def __str__(self):
        return self.description

    @property
    def changelog_owner_id(self):
        return self.invoice.firm_id

    @classmethod
    def restrict_q(cls, scope, action):
        return finance_q(scope, "invoice__")


class CreditNote(_FirmDocument):
    """A credit note (红字发票) that reduces an issued invoice for one of its engagements."""

    invoice = models.ForeignKey(
        Invoice, on_delete=models.PROTECT, related_name="credit_notes", verbose_name=_("invoice")
    )
    engagement = models.ForeignKey(
        Engagement, on_delete=models.PROTECT, related_name="credit_notes", verbose_name=_("engagement")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=LineKind.choices, default=LineKind.FEE)
    number = models.CharField(_("credit note number"), max_length=30)
    date = models.DateField(_("date"))
    net = models.DecimalField(_("amount excluding VAT"), **MONEY)
    tax = models.DecimalField(_("VAT"), **MONEY)
    gross = models.DecimalField(_("total including VAT"), **MONEY)
    reason = models.CharField(_("reason"), max_length=300)
    e_invoice_number = models.CharField(
        _("electronic invoice number"), max_length=20, blank=True, validators=[validate_e_invoice_number]
    )
    created_by = models.ForeignKey(USER, null=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("credit note")
        verbose_name_plural = _("credit notes")
        ordering = ["-date", "-pk"]
        constraints = [models.UniqueConstraint(fields=["firm", "number"], name="credit_note_unique_number")]

    def __str__(self):
        return self.number

    def get_absolute_url(self):
        return self.invoice.get_absolute_url()
