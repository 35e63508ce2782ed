"""Filters of the client list, shared by the list page, its export and the API."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cpahub.accounts.models import Organisation
from cpahub.clients import industry
from cpahub.clients.choices import ClientStatus, Exchange, Ownership, RiskRating
from cpahub.clients.models import BlacklistEntry, Client, ClientContact
from cpahub.clients.names import name_key
from cpahub.core.filtersets import BootstrapFilterSet


def _offices(request):
    from cpahub.clients.services import visible_offices

    if request is None:
        return Organisation.objects.none()
    return visible_offices(request.user)


class ClientFilterSet(BootstrapFilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    status = django_filters.ChoiceFilter(label=_("Status"), choices=ClientStatus.choices)
    section = django_filters.ChoiceFilter(
        label=_("Industry section"), field_name="industry_section", choices=industry.section_choices
    )
    division = django_filters.ChoiceFilter(
        label=_("Industry division"), choices=industry.grouped_division_choices, method="in_division"
    )
    ownership = django_filters.ChoiceFilter(label=_("Ownership"), choices=Ownership.choices)
    listed = django_filters.BooleanFilter(label=_("Listed"))
    exchange = django_filters.ChoiceFilter(label=_("Exchange"), choices=Exchange.choices)
    risk_rating = django_filters.ChoiceFilter(label=_("Risk rating"), choices=RiskRating.choices)
    office = django_filters.ModelChoiceFilter(label=_("Office"), queryset=_offices)
    parent = django_filters.NumberFilter(
        label=_("Parent company"), field_name="parent_id", widget=django_filters.widgets.forms.HiddenInput
    )

    class Meta:
        model = Client
        fields = [
            "q",
            "status",
            "section",
            "division",
            "ownership",
            "listed",
            "exchange",
            "risk_rating",
            "office",
            "parent",
        ]

    def search(self, queryset, name, value):
        """Name (also written another way), short name, credit code or stock code."""
        value = value.strip()
        if not value:
            return queryset
        match = (
            Q(name__icontains=value)
            | Q(short_name__icontains=value)
            | Q(credit_code__icontains=value.upper())
            | Q(stock_code=value.upper())
        )
        key = name_key(value)
        if key:
            match |= Q(name_key__contains=key)
        return queryset.filter(match)

    def in_division(self, queryset, name, value: str):
        return queryset.filter(industry__startswith=value) if value else queryset


class ContactFilterSet(BootstrapFilterSet):
    client = django_filters.NumberFilter(label=_("Client"), field_name="client_id")
    primary = django_filters.BooleanFilter(label=_("Main contact"))

    class Meta:
        model = ClientContact
        fields = ["client", "primary"]


class BlacklistFilterSet(BootstrapFilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    active = django_filters.BooleanFilter(label=_("Active"))

    class Meta:
        model = BlacklistEntry
        fields = ["q", "active"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        match = Q(name__icontains=value) | Q(credit_code__icontains=value.upper())
        key = name_key(value)
        if key:
            match |= Q(name_key__contains=key)
        return queryset.filter(match)
