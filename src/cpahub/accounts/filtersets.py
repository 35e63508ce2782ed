import django_filters
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from cpahub.accounts.choices import City, OrgKind, OrgStatus, Outcome, SecurityEventType
from cpahub.accounts.models import Membership, Organisation, SecurityEvent, User
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


class PeopleFilterSet(BootstrapFilterSet):
    """The accounts list of the security administrator and association staff. "Without a role":
    no active role in an active organisation, i.e. the account reaches nothing."""

    WITHOUT = "none"
    WITH = "some"

    q = django_filters.CharFilter(label=_("Search"), method="search")
    roles = django_filters.ChoiceFilter(
        label=_("Roles"),
        choices=[(WITHOUT, _("Without a role")), (WITH, _("With a role"))],
        method="filter_roles",
    )
    active = django_filters.ChoiceFilter(
        label=_("Account"),
        choices=[("yes", _("Active")), ("no", _("Deactivated"))],
        method="filter_active",
    )

    class Meta:
        model = User
        fields = ["q", "roles", "active"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(username__icontains=value) | Q(display_name__icontains=value) | Q(email__icontains=value)
        )

    def filter_roles(self, queryset, name, value):
        has_role = Exists(
            Membership.objects.filter(user=OuterRef("pk"), active=True, organisation__status=OrgStatus.ACTIVE)
        )
        if value == self.WITHOUT:
            return queryset.filter(~has_role)
        if value == self.WITH:
            return queryset.filter(has_role)
        return queryset

    def filter_active(self, queryset, name, value):
        return queryset.filter(is_active=value == "yes")
