"""Independence declarations (独立性声明): each team member declares for themselves.

A declared threat needs safeguards that the engagement partner approves (a quality partner when the
threat is the partner's own). Acceptance and fieldwork wait until every current member is cleared.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cpahub.engagements.models import IndependenceDeclaration
from cpahub.engagements.services.roles import current_team, is_named_partner, is_quality_partner, require


def outstanding(engagement) -> list:
    """Current team members who have not declared, or whose declared threat is not cleared."""
    people = {m.user_id: m.user for m in current_team(engagement).select_related("user")}
    cleared = {
        d.user_id
        for d in IndependenceDeclaration.objects.filter(engagement=engagement, user_id__in=people)
        if d.cleared
    }
    return [user for user_id, user in people.items() if user_id not in cleared]


def complete(engagement) -> bool:
    return not outstanding(engagement)


@transaction.atomic
def declare(
    actor, engagement, *, independent: bool, threats: str = "", safeguards: str = ""
) -> IndependenceDeclaration:
    """The actor's own declaration; declaring again replaces it (and any safeguard approval)."""
    require(
        current_team(engagement).filter(user_id=actor.pk).exists(),
        _("Only current members of the team declare their independence."),
    )
    if engagement.closed:
        raise ValidationError(_("The engagement is closed."))
    threats, safeguards = threats.strip(), safeguards.strip()
    if not independent and not threats:
        raise ValidationError({"threats": _("Describe the threat to independence.")})
    declaration, _created = IndependenceDeclaration.objects.select_for_update().get_or_create(
        engagement=engagement, user=actor, defaults={"independent": independent}
    )
    declaration.independent = independent
    declaration.threats = "" if independent else threats
    declaration.safeguards = "" if independent else safeguards
    declaration.safeguard_approved_by = None
    declaration.safeguard_approved_at = None
    declaration.save()
    return declaration


def may_approve_safeguards(user, declaration) -> bool:
    engagement = declaration.engagement
    if declaration.user_id == user.pk:
        return False
    if is_named_partner(declaration.user, engagement):
        return is_quality_partner(user, engagement.firm_id)
    return is_named_partner(user, engagement)


@transaction.atomic
def approve_safeguards(actor, declaration) -> IndependenceDeclaration:
    declaration = (
        IndependenceDeclaration.objects.select_for_update()
        .select_related("engagement")
        .get(pk=declaration.pk)
    )
    require(
        may_approve_safeguards(actor, declaration),
        _(
            "The engagement partner approves safeguards (a quality partner for the partner's own), never the declarant."
        ),
    )
    if declaration.independent:
        raise ValidationError(_("No threat was declared."))
    if not declaration.safeguards:
        raise ValidationError(_("The declarant has not described any safeguards yet."))
    declaration.safeguard_approved_by = actor
    declaration.safeguard_approved_at = timezone.now()
    declaration.save()
    return declaration


def owed_by(user, engagements):
    """Engagements among `engagements` where `user` is on the current team and has not declared."""
    from django.db.models import Q

    today = timezone.localdate()
    declared = IndependenceDeclaration.objects.filter(user=user).values("engagement_id")
    return (
        engagements.filter(team__user=user)
        .filter(Q(team__left__isnull=True) | Q(team__left__gte=today))
        .exclude(pk__in=declared)
        .distinct()
    )
