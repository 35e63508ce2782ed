"""What else moves an engagement's WIP: expenses (disbursements) and write-ons / write-offs."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cpahub.billing.access import engagement_billing_q, may_record_engagement_costs
from cpahub.billing.choices import AdjustmentKind, Decision, ExpenseCategory
from cpahub.core.models import ChangeLoggedModel
from cpahub.engagements.models import Engagement
from cpahub.practice.models import MONEY

POSITIVE = [MinValueValidator(Decimal("0.01"))]
USER = settings.AUTH_USER_MODEL


class _Decided(ChangeLoggedModel):
    """Rows that wait for someone else's approval."""

    status = models.CharField(
        _("status"), max_length=10, choices=Decision.choices, default=Decision.PENDING, db_index=True
    )
    decided_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("decided by")
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.CharField(_("decision note"), max_length=300, blank=True)

    class Meta:
        abstract = True

    @property
    def changelog_owner_id(self):
        return self.engagement.firm_id

    @classmethod
    def restrict_q(cls, scope, action):
        return engagement_billing_q(scope, action, managers_write=True)

    @classmethod
    def can_add(cls, scope, **context):
        return may_record_engagement_costs(scope)


class Expense(_Decided):
    engagement = models.ForeignKey(
        Engagement, on_delete=models.PROTECT, related_name="expenses", verbose_name=_("engagement")
    )
    date = models.DateField(_("date"))
    category = models.CharField(_("category"), max_length=15, choices=ExpenseCategory.choices)
    description = models.CharField(_("description"), max_length=200)
    amount = models.DecimalField(_("amount"), validators=POSITIVE, **MONEY)
    billable = models.BooleanField(_("billable to the client"), default=True)
    incurred_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("incurred by")
    )
    recorded_by = models.ForeignKey(
        USER, null=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )

    class Meta:
        verbose_name = _("expense")
        verbose_name_plural = _("expenses")
        ordering = ["-date", "-pk"]
        indexes = [models.Index(fields=["engagement", "status", "date"])]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.description}"

    def get_absolute_url(self):
        return reverse("billing:expense_detail", args=[self.pk])


class WipAdjustment(_Decided):
    """A write-on (adds value to WIP) or write-off (removes it), with its reason and a partner's approval."""

    engagement = models.ForeignKey(
        Engagement, on_delete=models.PROTECT, related_name="wip_adjustments", verbose_name=_("engagement")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=AdjustmentKind.choices)
    date = models.DateField(_("date"))
    amount = models.DecimalField(_("amount"), validators=POSITIVE, **MONEY)
    reason = models.CharField(_("reason"), max_length=300)
    requested_by = models.ForeignKey(
        USER, null=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("requested by")
    )

    class Meta:
        verbose_name = _("write-on or write-off")
        verbose_name_plural = _("write-ons and write-offs")
        ordering = ["-date", "-pk"]
        indexes = [models.Index(fields=["engagement", "status", "date"])]

    def __str__(self):
        return f"{self.get_kind_display()} {self.amount} · {self.engagement.code}"

    def get_absolute_url(self):
        return reverse("billing:adjustment_detail", args=[self.pk])

    @property
    def signed_amount(self) -> Decimal:
        return self.amount if self.kind == AdjustmentKind.WRITE_ON else -self.amount
