"""Turn a user's active memberships into the `Scope` the permission gate works with."""

from collections import defaultdict

from django.apps import apps

from cpahub.accounts.choices import FIRM_ROLES, OrgKind, OrgStatus, Role
from cpahub.core.permissions import Scope


def build_scope(user) -> Scope:
    from cpahub.accounts.models import Membership, Organisation

    rows = Membership.objects.filter(
        user=user, active=True, organisation__status=OrgStatus.ACTIVE
    ).values_list("role", "organisation_id", "organisation__kind", "organisation__city")
    roles: dict[str, set[int]] = defaultdict(set)
    province: set[str] = set()
    cities: set[str] = set()
    firm_heads: set[int] = set()
    admin_heads: set[int] = set()
    org_ids: set[int] = set()
    for role, org_id, kind, city in rows:
        roles[role].add(org_id)
        org_ids.add(org_id)
        if kind == OrgKind.PROVINCIAL_ASSOCIATION:
            province.add(role)
        elif kind == OrgKind.CITY_ASSOCIATION and role == Role.CITY_STAFF and city:
            cities.add(city)
        elif kind == OrgKind.FIRM and role in FIRM_ROLES:
            firm_heads.add(org_id)
            if role == Role.FIRM_ADMIN:
                admin_heads.add(org_id)

    # A head office's people reach its branches; a branch's people reach only their branch.
    branches = defaultdict(set)
    if firm_heads:
        for pk, parent in Organisation.objects.filter(
            parent_id__in=firm_heads, kind=OrgKind.FIRM
        ).values_list("pk", "parent_id"):
            branches[parent].add(pk)
    firm_ids = set(firm_heads)
    admin_ids = set(admin_heads)
    for head in firm_heads:
        firm_ids |= branches[head]
    for head in admin_heads:
        admin_ids |= branches[head]

    person_ids: frozenset[int] = frozenset()
    if apps.is_installed("cpahub.registry"):
        CPA = apps.get_model("registry", "CPA")
        person_ids = frozenset(CPA.objects.filter(user=user).values_list("pk", flat=True))

    return Scope(
        user_id=user.pk,
        roles={role: frozenset(ids) for role, ids in roles.items()},
        province=frozenset(province),
        city_codes=frozenset(cities),
        firm_ids=frozenset(firm_ids),
        admin_firm_ids=frozenset(admin_ids),
        org_ids=frozenset(org_ids),
        person_ids=person_ids,
    )
