"""The figures of the logged-in home page, per role. Every number comes through `restrict()`.

- association leaders and staff, regulators: the province;
- city association staff: their cities;
- firm users: a card per firm they work in (CPAs, partners, branches, open items);
- everyone: their memberships.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils import timezone

from cpahub.accounts.choices import FIRM_ROLES, PROVINCE_ROLES, City, OrgStatus, Role
from cpahub.accounts.models import Invitation, Organisation
from cpahub.core.permissions import CHANGE, VIEW, Scope, scope_for
from cpahub.registry.choices import ApplicationStatus, CPAStatus
from cpahub.registry.models import CPA, Firm, FirmApplication, Penalty

RECENT_PENALTIES = 5
FIRM_PENALTY_YEARS = 3


@dataclass
class Overview:
    """Figures for a province-wide or a city view."""

    level: str  # "province" or "city"
    cities: list[str]  # city names in a city view
    firms_by_status: list[tuple[str, int]]
    firms_total: int
    cpas_by_status: list[tuple[str, int]]
    cpas_total: int
    firms_by_city: list[dict]
    pending_applications: int | None  # None: the user does not handle applications
    recent_penalties: list
    show_changes: bool


@dataclass
class FirmCard:
    firm: Firm
    practising: int
    non_practising: int
    partners: list[CPA]
    branches: list[Firm]
    recent_penalties: list
    open_invitations: int | None  # None: not a firm administrator here
    roles: list[str] = field(default_factory=list)


@dataclass
class Dashboard:
    overview: Overview | None
    firm_cards: list[FirmCard]
    memberships: list


def build(user) -> Dashboard:
    scope = scope_for(user)
    return Dashboard(
        overview=overview(user, scope),
        firm_cards=firm_cards(user, scope),
        memberships=list(
            user.active_memberships().select_related("organisation").order_by("organisation__name", "role")
        ),
    )


def _status_counts(queryset, field_name: str, choices) -> list[tuple[str, int]]:
    counts = dict(queryset.order_by().values(field_name).annotate(n=Count("pk")).values_list(field_name, "n"))
    return [(label, counts.get(value, 0)) for value, label in choices]


def overview(user, scope: Scope) -> Overview | None:
    province = scope.has_role(*PROVINCE_ROLES, Role.REGULATOR_READER)
    if not province and not scope.city_codes:
        return None
    firms = Firm.objects.restrict(user, VIEW)
    cpas = CPA.objects.restrict(user, VIEW)
    penalties = Penalty.objects.restrict(user, VIEW)
    cities = sorted(scope.city_codes)
    if not province:
        # The city view shows the city only, not the firms the user may also reach as a member.
        firms = firms.filter(organisation__city__in=cities)
        cpas = cpas.filter(firm__organisation__city__in=cities)
        penalties = penalties.filter(
            Q(firm__organisation__city__in=cities) | Q(cpa__firm__organisation__city__in=cities)
        )
    firms_by_status = _status_counts(firms, "organisation__status", OrgStatus.choices)
    cpas_by_status = _status_counts(cpas, "status", CPAStatus.choices)
    active_by_city = dict(
        firms.filter(organisation__status=OrgStatus.ACTIVE)
        .order_by()
        .values("organisation__city")
        .annotate(n=Count("pk"))
        .values_list("organisation__city", "n")
    )
    shown_cities = [(code, label) for code, label in City.choices if province or code in scope.city_codes]
    handles_applications = scope.has_role(*PROVINCE_ROLES) or bool(scope.city_codes)
    pending = None
    if handles_applications:
        pending = (
            FirmApplication.objects.restrict(user, VIEW).filter(status=ApplicationStatus.PENDING).count()
        )
    return Overview(
        level="province" if province else "city",
        cities=[str(City(code).label) for code in cities],
        firms_by_status=firms_by_status,
        firms_total=sum(n for _label, n in firms_by_status),
        cpas_by_status=cpas_by_status,
        cpas_total=sum(n for _label, n in cpas_by_status),
        firms_by_city=[
            {"code": code, "name": str(label), "firms": active_by_city.get(code, 0)}
            for code, label in shown_cities
        ],
        pending_applications=pending,
        recent_penalties=list(
            penalties.select_related("firm__organisation", "cpa").order_by("-decided_on", "-pk")[
                :RECENT_PENALTIES
            ]
        ),
        show_changes=scope.has_role(*PROVINCE_ROLES) or bool(scope.city_codes),
    )


def firm_cards(user, scope: Scope) -> list[FirmCard]:
    own_ids = scope.orgs_with(*FIRM_ROLES)
    if not own_ids:
        return []
    firms = list(
        Firm.objects.restrict(user, VIEW).filter(pk__in=own_ids).select_related("organisation__parent")
    )
    if not firms:
        return []
    firm_ids = [firm.pk for firm in firms]
    cpas = CPA.objects.restrict(user, VIEW).filter(firm_id__in=firm_ids)
    counts: dict[tuple[int, str], int] = {
        (firm_id, status): n
        for firm_id, status, n in cpas.order_by()
        .values("firm_id", "status")
        .annotate(n=Count("pk"))
        .values_list("firm_id", "status", "n")
    }
    partners: dict[int, list[CPA]] = {}
    for cpa in cpas.filter(is_partner=True, status=CPAStatus.PRACTISING).order_by("name"):
        partners.setdefault(cpa.firm_id, []).append(cpa)
    branches: dict[int, list[Firm]] = {}
    for branch in (
        Firm.objects.restrict(user, VIEW)
        .filter(organisation__parent_id__in=firm_ids)
        .select_related("organisation")
        .order_by("organisation__name")
    ):
        branches.setdefault(branch.organisation.parent_id, []).append(branch)
    since = timezone.localdate() - datetime.timedelta(days=365 * FIRM_PENALTY_YEARS)
    penalties: dict[int, list[Penalty]] = {}
    for penalty in (
        Penalty.objects.restrict(user, VIEW)
        .filter(Q(firm_id__in=firm_ids) | Q(cpa__firm_id__in=firm_ids), decided_on__gte=since)
        .select_related("firm__organisation", "cpa")
        .order_by("-decided_on", "-pk")
    ):
        owner = penalty.firm_id if penalty.firm_id in firm_ids else penalty.cpa.firm_id
        penalties.setdefault(owner, []).append(penalty)
    administered = set(
        Organisation.objects.restrict(user, CHANGE).filter(pk__in=firm_ids).values_list("pk", flat=True)
    )
    invitations = dict(
        Invitation.objects.filter(
            organisation_id__in=administered,
            revoked=False,
            accepted_at__isnull=True,
            expires__gt=timezone.now(),
        )
        .order_by()
        .values("organisation_id")
        .annotate(n=Count("pk"))
        .values_list("organisation_id", "n")
    )
    roles: dict[int, list[str]] = {}
    for role, ids in scope.roles.items():
        for org_id in ids & set(firm_ids):
            roles.setdefault(org_id, []).append(str(Role(role).label))
    return [
        FirmCard(
            firm=firm,
            practising=counts.get((firm.pk, CPAStatus.PRACTISING), 0),
            non_practising=counts.get((firm.pk, CPAStatus.NON_PRACTISING), 0),
            partners=partners.get(firm.pk, []),
            branches=branches.get(firm.pk, []),
            recent_penalties=penalties.get(firm.pk, [])[:RECENT_PENALTIES],
            open_invitations=invitations.get(firm.pk, 0) if firm.pk in administered else None,
            roles=sorted(roles.get(firm.pk, [])),
        )
        for firm in sorted(firms, key=lambda f: f.organisation.name)
    ]
