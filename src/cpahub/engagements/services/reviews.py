"""三级复核: the three review sign-offs a report needs, in order, each by a different eligible person.

Level 1: the engagement manager. Level 2: the engagement partner, or a department manager or partner
of the firm. Level 3: the engagement's quality reviewer or a risk and quality partner of the firm.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from cpahub.accounts.choices import Role
from cpahub.core.permissions import CHANGE, can
from cpahub.engagements.choices import ReviewLevel, Status
from cpahub.engagements.models import Engagement, ReviewSignoff
from cpahub.engagements.services.roles import (
    holds_in_firm,
    is_named_manager,
    is_named_partner,
    is_quality_partner,
    is_quality_reviewer,
    require,
)

WHO = {
    ReviewLevel.MANAGER: lambda user, e: is_named_manager(user, e),
    ReviewLevel.PARTNER: lambda user, e: (
        is_named_partner(user, e)
        or (can(user, CHANGE, e) and holds_in_firm(user, e, Role.PARTNER, Role.MANAGER))
    ),
    ReviewLevel.QUALITY: lambda user, e: is_quality_reviewer(user, e) or is_quality_partner(user, e.firm_id),
}


def signoffs(engagement):
    return engagement.signoffs.filter(superseded=False).select_related("user").order_by("level")


def unsigned_levels(engagement) -> list[int]:
    done = set(signoffs(engagement).values_list("level", flat=True))
    return [level for level in ReviewLevel.values if level not in done]


def next_level(engagement) -> int | None:
    if engagement.status != Status.REVIEW:
        return None
    missing = unsigned_levels(engagement)
    return missing[0] if missing else None


def why_not_signer(user, engagement, level=None) -> str | None:
    level = level or next_level(engagement)
    if level is None:
        return _("No review sign-off is awaited.")
    if signoffs(engagement).filter(user_id=user.pk).exists():
        return _("You have already signed another review level of this engagement.")
    if not WHO[level](user, engagement):
        return _("You are not eligible to sign “%(level)s”.") % {"level": ReviewLevel(level).label}
    return None


@transaction.atomic
def sign_off(actor, engagement, *, comment: str = "") -> ReviewSignoff:
    engagement = Engagement.objects.select_for_update().get(pk=engagement.pk)
    level = next_level(engagement)
    if level is None:
        raise ValidationError(_("No review sign-off is awaited."))
    reason = why_not_signer(actor, engagement, level)
    require(reason is None, reason)
    return ReviewSignoff.objects.create(
        engagement=engagement, level=level, user=actor, comment=comment.strip()
    )


def supersede(engagement) -> None:
    """The review starts over (back to fieldwork, or a voided report): earlier sign-offs stay as history."""
    for signoff in ReviewSignoff.objects.filter(engagement=engagement, superseded=False):
        signoff.superseded = True
        signoff.save()


def awaiting(user, engagements):
    return [
        e
        for e in engagements.filter(status=Status.REVIEW).select_related("client")
        if why_not_signer(user, e) is None
    ]
