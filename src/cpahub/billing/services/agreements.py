"""Fee agreements: basis, agreed amount, rates by grade, milestones; the contracted fee follows."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from cpahub.billing.choices import CAPPED_BASES, DEFAULT_VAT_RATE, FeeBasis, InvoiceStatus
from cpahub.billing.models import FeeAgreement, FeeMilestone, RateOverride
from cpahub.billing.queries import billed_fees
from cpahub.billing.services.common import finance_engagement, positive, require_change

FIELDS = ("basis", "amount", "tax_rate", "payment_days", "letter_number", "signed_on", "notes")


@transaction.atomic
def save_agreement(user, engagement, agreement: FeeAgreement | None = None, **data) -> FeeAgreement:
    """Create the engagement's fee agreement, or change it."""
    engagement = finance_engagement(user, engagement)
    if agreement is None:
        if FeeAgreement.objects.filter(engagement=engagement).exists():
            raise ValidationError({"engagement": _("This engagement already has a fee agreement.")})
        agreement = FeeAgreement(engagement=engagement)
    else:
        require_change(user, agreement)
    for name in FIELDS:
        if name in data:
            setattr(agreement, name, data[name])
    if agreement.tax_rate is None:
        agreement.tax_rate = DEFAULT_VAT_RATE
    _check_amount(agreement)
    agreement.full_clean()
    agreement.save()
    sync_contracted_fee(agreement)
    return agreement


def _check_amount(agreement):
    if agreement.basis == FeeBasis.MILESTONE:
        agreement.amount = None  # the milestones carry the amounts
        return
    if agreement.basis in CAPPED_BASES:
        positive(agreement.amount)
        if agreement.pk:
            billed = billed_fees(agreement.engagement_id)
            if agreement.amount < billed:
                raise ValidationError(
                    {
                        "amount": _("Fees of %(billed)s are already billed; the amount cannot be lower.")
                        % {"billed": billed}
                    }
                )


def sync_contracted_fee(agreement):
    """The engagement's contracted fee (used by report filing) is the agreement's."""
    engagement = agreement.engagement
    fee = agreement.contracted_fee
    if engagement.contracted_fee != fee:
        engagement.contracted_fee = fee
        engagement.save(update_fields=["contracted_fee", "updated"])


@transaction.atomic
def set_rate(user, agreement, grade, rate: Decimal) -> RateOverride:
    require_change(user, agreement)
    if grade.firm_id != agreement.engagement.firm_id:
        raise ValidationError({"grade": _("Choose a grade of the engagement's firm.")})
    if rate is None or rate < 0:
        raise ValidationError({"rate": _("Enter a rate of zero or more.")})
    override, _created = RateOverride.objects.get_or_create(
        agreement=agreement, grade=grade, defaults={"rate": rate}
    )
    if override.rate != rate:
        override.rate = rate
        override.save()
    return override


@transaction.atomic
def remove_rate(user, override: RateOverride) -> None:
    require_change(user, override.agreement)
    override.delete()


@transaction.atomic
def add_milestone(user, agreement, *, name, amount, due, milestone=None) -> FeeMilestone:
    require_change(user, agreement)
    positive(amount)
    if milestone is not None and milestone.engagement_id != agreement.engagement_id:
        raise ValidationError({"milestone": _("Choose a milestone of this engagement.")})
    created = FeeMilestone.objects.create(
        agreement=agreement, name=name.strip(), amount=amount, due=due, milestone=milestone
    )
    sync_contracted_fee(agreement)
    return created


@transaction.atomic
def remove_milestone(user, fee_milestone: FeeMilestone) -> None:
    agreement = fee_milestone.agreement
    require_change(user, agreement)
    if fee_milestone.invoice_lines.exclude(invoice__status=InvoiceStatus.CANCELLED).exists():
        raise ValidationError(_("This milestone is on an invoice; remove it from the invoice first."))
    fee_milestone.delete()
    sync_contracted_fee(agreement)


def charge_rates(agreement) -> dict[int, Decimal]:
    """Grade id → the charge-out rate on this engagement (agreed rate, else the grade's)."""
    from cpahub.practice.models import Grade

    rates = dict(Grade.objects.filter(firm_id=agreement.engagement.firm_id).values_list("pk", "charge_rate"))
    rates.update(agreement.rates.values_list("grade_id", "rate"))
    return rates
