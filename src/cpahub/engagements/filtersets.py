"""Filters of the engagement list, shared by the page, its export and the API."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cpahub.accounts.choices import Role
from cpahub.accounts.models import Organisation, User
from cpahub.core.filtersets import BootstrapFilterSet
from cpahub.core.permissions import VIEW, scope_for
from cpahub.engagements.choices import EngagementType, Status
from cpahub.engagements.models import BudgetLine, Engagement, Milestone, TeamMember


def _offices(request):
    if request is None:
        return Organisation.objects.none()
    return Organisation.objects.filter(pk__in=scope_for(request.user).firm_ids).order_by("parent_id", "name")


def _people(request, *roles):
    if request is None:
        return User.objects.none()
    return (
        User.objects.filter(
            memberships__organisation__in=scope_for(request.user).firm_ids,
            memberships__role__in=roles,
            memberships__active=True,
        )
        .distinct()
        .order_by("display_name", "username")
    )


def _clients(request):
    from cpahub.clients.models import Client

    if request is None:
        return Client.objects.none()
    return Client.objects.restrict(request.user, VIEW).order_by("name")


class EngagementFilterSet(BootstrapFilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    status = django_filters.ChoiceFilter(label=_("Status"), choices=Status.choices)
    type = django_filters.ChoiceFilter(label=_("Engagement type"), choices=EngagementType.choices)
    office = django_filters.ModelChoiceFilter(label=_("Office"), queryset=_offices)
    partner = django_filters.ModelChoiceFilter(
        label=_("Engagement partner"), queryset=lambda request: _people(request, Role.PARTNER)
    )
    manager = django_filters.ModelChoiceFilter(
        label=_("Manager"), queryset=lambda request: _people(request, Role.MANAGER, Role.PARTNER)
    )
    client = django_filters.ModelChoiceFilter(label=_("Client"), queryset=_clients)
    year = django_filters.NumberFilter(
        label=_("Year (period end)"), field_name="period_end", lookup_expr="year"
    )

    class Meta:
        model = Engagement
        fields = ["q", "status", "type", "office", "partner", "manager", "client", "year"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(code__icontains=value)
            | Q(name__icontains=value)
            | Q(client__name__icontains=value)
            | Q(report_number__icontains=value)
        )


class TeamMemberFilterSet(BootstrapFilterSet):
    engagement = django_filters.NumberFilter(field_name="engagement_id")
    user = django_filters.NumberFilter(field_name="user_id")

    class Meta:
        model = TeamMember
        fields = ["engagement", "user", "role"]


class BudgetLineFilterSet(BootstrapFilterSet):
    engagement = django_filters.NumberFilter(field_name="engagement_id")

    class Meta:
        model = BudgetLine
        fields = ["engagement", "grade"]


class MilestoneFilterSet(BootstrapFilterSet):
    engagement = django_filters.NumberFilter(field_name="engagement_id")
    open = django_filters.BooleanFilter(label=_("Open"), field_name="done_on", lookup_expr="isnull")

    class Meta:
        model = Milestone
        fields = ["engagement", "open"]
