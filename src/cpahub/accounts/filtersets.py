import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cpahub.accounts.choices import City, OrgKind, OrgStatus, Outcome, SecurityEventType
from cpahub.accounts.models import Organisation, SecurityEvent
from cpahub.core.filtersets import BootstrapFilterSet, DateInput


class SecurityEventFilterSet(BootstrapFilterSet):
    username = django_filters.CharFilter(label=_("User name"), field_name="username", lookup_expr="icontains")
    event = django_filters.ChoiceFilter(label=_("Event"), choices=SecurityEventType.choices)
    outcome = django_filters.ChoiceFilter(label=_("Outcome"), choices=Outcome.choices)
    address = django_filters.CharFilter(label=_("Address"), field_name="address", lookup_expr="startswith")
    since = django_filters.DateFilter(
        label=_("From"), field_name="time", lookup_expr="date__gte", widget=DateInput
    )
    until = django_filters.DateFilter(
        label=_("To"), field_name="time", lookup_expr="date__lte", widget=DateInput
    )

    class Meta:
        model = SecurityEvent
        fields = ["username", "event", "outcome", "address", "since", "until"]


class OrganisationFilterSet(BootstrapFilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=OrgKind.choices)
    city = django_filters.ChoiceFilter(label=_("City"), choices=City.choices)
    status = django_filters.ChoiceFilter(label=_("Status"), choices=OrgStatus.choices)

    class Meta:
        model = Organisation
        fields = ["q", "kind", "city", "status"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(name__icontains=value) | Q(short_name__icontains=value) | Q(credit_code=value.upper())
        )
