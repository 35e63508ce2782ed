from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from cpahub.billing.access import engagement_billing_q, finance_q
from cpahub.core.permissions import CHANGE, can, scope_for


def finance_engagement(user, engagement):
    """The engagement if the user may write its billing as finance; else PermissionDenied."""
    from cpahub.engagements.models import Engagement

    found = Engagement.objects.filter(finance_q(scope_for(user))).filter(pk=engagement.pk).first()
    if found is None:
        raise PermissionDenied(_("You may not bill this engagement."))
    return found


def cost_engagement(user, engagement):
    """The engagement if the user may record expenses or adjustments on it (finance or its managers)."""
    from cpahub.engagements.models import Engagement

    q = engagement_billing_q(scope_for(user), CHANGE, prefix="", managers_write=True)
    found = Engagement.objects.filter(q).filter(pk=engagement.pk).first()
    if found is None:
        raise PermissionDenied(_("You may not record costs on this engagement."))
    return found


def finance_client(user, client):
    from cpahub.clients.models import Client

    found = Client.objects.filter(finance_q(scope_for(user))).filter(pk=client.pk).first()
    if found is None:
        raise PermissionDenied(_("You may not bill this client."))
    return found


def require_change(user, obj):
    if not can(user, CHANGE, obj):
        raise PermissionDenied(_("You may not change this."))


def require_reason(text: str, field: str = "reason") -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError({field: _("Give a reason.")})
    return text


def positive(amount, field: str = "amount"):
    if amount is None or amount <= 0:
        raise ValidationError({field: _("Enter an amount greater than zero.")})
    return amount
