"""Who sees, changes and approves time (see docs/user-guide/time.md).

- Everyone reads and writes their own time while they work in the firm.
- Partners, firm administrators and firm finance read the time of the firm (or of their office, by the
  branch rule of `practice.access`).
- An engagement's managers and partners (on the engagement or as team members) read and approve the
  time booked to it. Time outside engagements is approved by the person's line manager: a partner or
  firm administrator who reaches the person's office.
- Nobody ever approves their own time.
"""

from django.db.models import Q

from cpahub.core.permissions import NOTHING, any_of
from cpahub.practice.access import EVERYONE, FINANCE, PARTNERS, firm_q, firms_for, held_orgs


def member_firms(scope):
    """Head offices where the user works now (a subquery of pks)."""
    return firms_for(scope, EVERYONE).values("pk")


def managed_engagements(scope):
    """Engagements the user manages or leads as partner, in a firm where they work (subquery of pks)."""
    from cpahub.engagements.choices import TeamRole
    from cpahub.engagements.models import Engagement, TeamMember

    uid = scope.user_id
    on_team = TeamMember.objects.filter(user_id=uid, role__in=[TeamRole.MANAGER, TeamRole.PARTNER])
    return (
        Engagement.objects.filter(firm_id__in=member_firms(scope))
        .filter(Q(manager_id=uid) | Q(partner_id=uid) | Q(pk__in=on_team.values("engagement_id")))
        .values("pk")
    )


def entry_view_q(scope, prefix: str = "") -> Q:
    if not scope.authenticated or not held_orgs(scope):
        return NOTHING
    return any_of(
        Q(**{f"{prefix}user_id": scope.user_id, f"{prefix}firm_id__in": member_firms(scope)}),
        firm_q(scope, FINANCE, firm=f"{prefix}firm_id", office=f"{prefix}office_id"),
        Q(**{f"{prefix}engagement_id__in": managed_engagements(scope)}),
    )


def own_q(scope, prefix: str = "") -> Q:
    if not scope.authenticated or not held_orgs(scope):
        return NOTHING
    return Q(**{f"{prefix}user_id": scope.user_id, f"{prefix}firm_id__in": member_firms(scope)})


def approvable_q(scope) -> Q:
    """Time entries the user may approve, reject or reopen (never their own)."""
    if not scope.authenticated or not held_orgs(scope):
        return NOTHING
    lines = any_of(
        Q(engagement_id__in=managed_engagements(scope)),
        Q(engagement__isnull=True) & firm_q(scope, PARTNERS),
    )
    if lines is NOTHING:
        return NOTHING
    return lines & ~Q(user_id=scope.user_id)


def sheet_view_q(scope, prefix: str = "") -> Q:
    from cpahub.timesheets.models import TimeEntry

    if not scope.authenticated or not held_orgs(scope):
        return NOTHING
    managed = TimeEntry.objects.filter(engagement_id__in=managed_engagements(scope)).values("sheet_id")
    return any_of(
        own_q(scope, prefix),
        firm_q(scope, FINANCE, firm=f"{prefix}firm_id", office=f"{prefix}office_id"),
        Q(**{f"{prefix}pk__in": managed}),
    )


def reportable_staff(scope):
    """Staff profiles whose utilisation the user may see: their reach as partner, administrator or
    finance, and the teams of the engagements they manage."""
    from cpahub.engagements.models import TeamMember
    from cpahub.practice.models import StaffProfile

    if not scope.authenticated or not held_orgs(scope):
        return StaffProfile.objects.none()
    teams = TeamMember.objects.filter(engagement_id__in=managed_engagements(scope)).values("user_id")
    reach = any_of(
        firm_q(scope, FINANCE),
        Q(user_id__in=teams, firm_id__in=member_firms(scope)),
    )
    return StaffProfile.objects.filter(reach) if reach is not NOTHING else StaffProfile.objects.none()
