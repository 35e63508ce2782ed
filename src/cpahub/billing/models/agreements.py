"""Fee agreements (业务约定书 fee terms): how an engagement is charged, its rates and milestones."""

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Sum
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cpahub.billing.access import engagement_billing_q, may_write_finance
from cpahub.billing.choices import DEFAULT_VAT_RATE, FeeBasis
from cpahub.core.models import ChangeLoggedModel
from cpahub.engagements.models import Engagement, Milestone
from cpahub.practice.models import MONEY, Grade

RATE = {"max_digits": 5, "decimal_places": 4}
POSITIVE = [MinValueValidator(Decimal("0"))]


class FeeAgreement(ChangeLoggedModel):
    engagement = models.OneToOneField(
        Engagement, on_delete=models.PROTECT, related_name="fee_agreement", verbose_name=_("engagement")
    )
    basis = models.CharField(_("fee basis"), max_length=10, choices=FeeBasis.choices)
    amount = models.DecimalField(
        _("agreed amount"),
        null=True,
        blank=True,
        validators=POSITIVE,
        help_text=_("Fixed fee, the cap, or the estimate for hourly work; excluding VAT."),
        **MONEY,
    )
    tax_rate = models.DecimalField(
        _("VAT rate"),
        default=DEFAULT_VAT_RATE,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("0.2"))],
        help_text=_("0.06 for professional services."),
        **RATE,
    )
    payment_days = models.PositiveSmallIntegerField(
        _("payment terms (days)"),
        default=30,
        help_text=_("Days from the invoice date to its due date."),
        validators=[MaxValueValidator(3650)],  # also keeps the API schema the same on every database
    )
    letter_number = models.CharField(_("engagement letter number"), max_length=60, blank=True)
    signed_on = models.DateField(_("engagement letter date"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("fee agreement")
        verbose_name_plural = _("fee agreements")
        ordering = ["-engagement__created", "-pk"]

    def __str__(self):
        return f"{self.engagement.code} · {self.get_basis_display()}"

    def get_absolute_url(self):
        return reverse("billing:agreement_detail", args=[self.pk])

    @property
    def changelog_owner_id(self):
        return self.engagement.firm_id

    @property
    def contracted_fee(self) -> Decimal | None:
        """The fee of the engagement letter: the milestones' sum, else the agreed amount."""
        if self.basis == FeeBasis.MILESTONE:
            return self.milestones.aggregate(total=Sum("amount"))["total"] or Decimal("0")
        return self.amount

    @classmethod
    def restrict_q(cls, scope, action):
        return engagement_billing_q(scope, action)

    @classmethod
    def can_add(cls, scope, **context):
        return may_write_finance(scope)


class _AgreementPart(ChangeLoggedModel):
    """Rows of one fee agreement: its engagement's billing visibility."""

    class Meta:
        abstract = True

    @property
    def changelog_owner_id(self):
        return self.agreement.engagement.firm_id

    @classmethod
    def restrict_q(cls, scope, action):
        return engagement_billing_q(scope, action, prefix="agreement__engagement__")


class RateOverride(_AgreementPart):
    """A charge-out rate agreed for one grade on one engagement (instead of the grade's rate)."""

    agreement = models.ForeignKey(FeeAgreement, on_delete=models.CASCADE, related_name="rates")
    grade = models.ForeignKey(Grade, on_delete=models.PROTECT, related_name="+", verbose_name=_("grade"))
    rate = models.DecimalField(_("charge-out rate per hour"), validators=POSITIVE, **MONEY)

    class Meta:
        verbose_name = _("agreed rate")
        verbose_name_plural = _("agreed rates")
        ordering = ["agreement", "grade__rank"]
        constraints = [models.UniqueConstraint(fields=["agreement", "grade"], name="rate_unique_grade")]

    def __str__(self):
        return f"{self.grade}: {self.rate}"


class FeeMilestone(_AgreementPart):
    """An amount that falls due when a stage of the engagement is reached (by date or milestone)."""

    agreement = models.ForeignKey(FeeAgreement, on_delete=models.CASCADE, related_name="milestones")
    name = models.CharField(_("name"), max_length=100)
    amount = models.DecimalField(_("amount"), validators=POSITIVE, **MONEY)
    due = models.DateField(_("due"))
    milestone = models.ForeignKey(
        Milestone,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("engagement milestone"),
        help_text=_("Optional: the stage of the engagement this amount depends on."),
    )

    class Meta:
        verbose_name = _("fee milestone")
        verbose_name_plural = _("fee milestones")
        ordering = ["agreement", "due", "pk"]

    def __str__(self):
        return self.name
