"""Who someone is on an engagement: its named partner or manager, its quality reviewer, a firm partner.

Every rule of acceptance, the pipeline and the reviews is written with these, so they read the same
everywhere.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cpahub.accounts.choices import Role
from cpahub.core.permissions import scope_for
from cpahub.engagements.choices import TeamRole


def require(allowed: bool, message: str | None = None) -> None:
    if not allowed:
        raise PermissionDenied(message or _("You may not do this."))


def current_team(engagement, today=None):
    """Team members who have not left (by their `until` date)."""
    today = today or timezone.localdate()
    return engagement.team.filter(Q(left__isnull=True) | Q(left__gte=today))


def _on_team(user, engagement, role) -> bool:
    return current_team(engagement).filter(user_id=user.pk, role=role).exists()


def is_named_partner(user, engagement) -> bool:
    return engagement.partner_id == user.pk or _on_team(user, engagement, TeamRole.PARTNER)


def is_named_manager(user, engagement) -> bool:
    return engagement.manager_id == user.pk or _on_team(user, engagement, TeamRole.MANAGER)


def is_quality_reviewer(user, engagement) -> bool:
    return _on_team(user, engagement, TeamRole.QUALITY_REVIEWER)


def holds_in_firm(user, engagement, *roles) -> bool:
    """The user holds one of `roles` at the engagement's head office or at its office."""
    return bool(scope_for(user).orgs_with(*roles) & {engagement.firm_id, engagement.office_id})


def is_firm_partner(user, engagement) -> bool:
    return holds_in_firm(user, engagement, Role.PARTNER)


def is_quality_partner(user, firm_id) -> bool:
    """A risk and quality partner of the firm (StaffProfile.quality_partner, not left)."""
    from cpahub.practice.models import StaffProfile

    return StaffProfile.objects.filter(
        firm_id=firm_id, user_id=user.pk, quality_partner=True, left__isnull=True
    ).exists()


def people_with(firm, *roles):
    """Active users holding one of `roles` at the firm's head office or a branch."""
    from cpahub.accounts.models import User

    return (
        User.objects.filter(
            Q(memberships__organisation=firm) | Q(memberships__organisation__parent=firm),
            memberships__role__in=roles,
            memberships__active=True,
            is_active=True,
        )
        .distinct()
        .order_by("display_name", "username")
    )


def firm_staff(firm):
    """Everyone working in the firm (any firm role, head office or branch)."""
    from cpahub.accounts.choices import FIRM_ROLES

    return people_with(firm, *FIRM_ROLES)
