"""Who in a firm sees and changes the firm's practice data (FIRM-1, SEC-2).

Practice rows (clients, engagements, time, fees) carry the firm's head office (`firm`) and the office
that runs them (`office`: the head office itself or a branch). People at the head office reach the
whole firm; people of a branch reach their branch's rows, and the whole firm's only when the firm grants
it (`FirmSettings.branches_see_firm`). The association never reaches a firm's practice data.
"""

from django.db.models import Q

from cpahub.accounts.choices import FIRM_ROLES, Role
from cpahub.core.permissions import NOTHING

# Who may do what with practice data. Everyone in the firm reads; these groups write.
MANAGERS = (Role.FIRM_ADMIN, Role.PARTNER, Role.MANAGER)
PARTNERS = (Role.FIRM_ADMIN, Role.PARTNER)
FINANCE = (Role.FIRM_ADMIN, Role.PARTNER, Role.FIRM_FINANCE)
EVERYONE = tuple(FIRM_ROLES)


def held_orgs(scope, roles=EVERYONE) -> frozenset[int]:
    """Firm organisations (head offices or branches) where the user holds one of `roles`."""
    if not scope.authenticated:
        return frozenset()
    return scope.orgs_with(*roles) & scope.firm_ids


def firm_q(scope, roles=EVERYONE, firm: str = "firm_id", office: str | None = "office_id") -> Q:
    """Rows of the firms the user reaches with one of `roles` (see the module doc)."""
    held = held_orgs(scope, roles)
    if not held:
        return NOTHING
    from cpahub.accounts.models import Organisation

    granted = Organisation.objects.filter(
        pk__in=held, parent__isnull=False, parent__practice_settings__branches_see_firm=True
    ).values("parent_id")
    q = Q(**{f"{firm}__in": held}) | Q(**{f"{firm}__in": granted})
    return q | Q(**{f"{office}__in": held}) if office else q


def reaches_whole_firm(scope, firm_id: int, roles=EVERYONE) -> bool:
    """Whether `firm_q(scope, roles)` covers every row of the firm (head office, or a branch the firm
    lets see it all): reports then need no per-row condition."""
    held = held_orgs(scope, roles)
    if firm_id in held:
        return True
    from cpahub.accounts.models import Organisation

    return Organisation.objects.filter(
        pk__in=held, parent_id=firm_id, parent__practice_settings__branches_see_firm=True
    ).exists()


def head_office(organisation):
    """The head office of a firm organisation (itself when it is one)."""
    return organisation.parent if organisation.parent_id else organisation


def firms_for(scope, roles=EVERYONE):
    """Head offices where the user may act with one of `roles` (for forms and `can_add`)."""
    from cpahub.accounts.models import Organisation

    held = held_orgs(scope, roles)
    if not held:
        return Organisation.objects.none()
    return Organisation.objects.filter(Q(pk__in=held, parent__isnull=True) | Q(children__in=held)).distinct()
