"""Who sees and changes fees, invoices and receipts (FIRM-1, SEC-2).

The FINANCE group (firm administrator, partner, firm finance) reaches all billing rows of its firm or
office (the rule of `practice.access`). A manager reaches the billing of the engagements they run
(engagement manager or partner, or on the team as one) — to read WIP and to record expenses and
write-off requests there. Staff auditors, other firms and the association reach nothing.
"""

from django.db.models import Q

from cpahub.accounts.choices import Role
from cpahub.core.permissions import NOTHING, VIEW, any_of
from cpahub.practice.access import FINANCE, MANAGERS, PARTNERS, firm_q, firms_for

# Engagement-level rows (agreements, expenses, adjustments) a manager may write.
MANAGER_WRITES = ("expense", "adjustment")
LEAD_ROLES = ("manager", "partner")  # TeamRole values of the people who run an engagement


def finance_q(scope, prefix: str = "") -> Q:
    return firm_q(scope, FINANCE, firm=f"{prefix}firm_id", office=f"{prefix}office_id")


def led_engagements_q(scope, prefix: str = "") -> Q:
    """Engagements the user runs, in a firm where they hold a manager-level role."""
    if not scope.authenticated or not scope.has_role(*MANAGERS):
        return NOTHING
    from cpahub.engagements.models import TeamMember

    led = TeamMember.objects.filter(user_id=scope.user_id, role__in=LEAD_ROLES).values("engagement_id")
    uid = scope.user_id
    own = (
        Q(**{f"{prefix}manager_id": uid}) | Q(**{f"{prefix}partner_id": uid}) | Q(**{f"{prefix}pk__in": led})
    )
    return own & Q(**{f"{prefix}firm_id__in": firms_for(scope, MANAGERS).values("pk")})


def engagement_billing_q(scope, action, prefix: str = "engagement__", managers_write: bool = False) -> Q:
    """Rows of one engagement: finance everywhere it reaches; managers on the engagements they run."""
    finance = finance_q(scope, prefix)
    if action == VIEW or managers_write:
        return any_of(finance, led_engagements_q(scope, prefix))
    return finance


def may_approve_as_partner(scope, firm_id: int) -> bool:
    """A firm administrator or partner of the firm (head office or any of its offices)."""
    return firms_for(scope, PARTNERS).filter(pk=firm_id).exists()


def may_write_finance(scope) -> bool:
    return firms_for(scope, FINANCE).exists()


def may_record_engagement_costs(scope) -> bool:
    return firms_for(scope, FINANCE).exists() or scope.has_role(Role.MANAGER, Role.PARTNER)
