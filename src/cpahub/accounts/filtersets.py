import django_filters
from django.utils.translation import gettext_lazy as _

from cpahub.accounts.choices import Outcome, SecurityEventType
from cpahub.accounts.models import SecurityEvent
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
