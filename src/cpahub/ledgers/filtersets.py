import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cpahub.core.filtersets import BootstrapFilterSet
from cpahub.core.permissions import VIEW, scope_for
from cpahub.ledgers import formats
from cpahub.ledgers.choices import ProfileKind, SnapshotStatus
from cpahub.ledgers.models import LedgerSnapshot, MappingProfile, Workspace


def _workspaces(request):
    if request is None:
        return Workspace.objects.none()
    return Workspace.objects.restrict(request.user, VIEW)


class SnapshotFilterSet(BootstrapFilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    status = django_filters.ChoiceFilter(label=_("Status"), choices=SnapshotStatus.choices)
    year = django_filters.NumberFilter(label=_("Fiscal year"), field_name="fiscal_year")
    format = django_filters.ChoiceFilter(
        label=_("Format"), field_name="source_format", choices=[(name, name) for name in formats.MODULES]
    )
    workspace = django_filters.ModelChoiceFilter(label=_("Workspace"), queryset=Workspace.objects.none())

    class Meta:
        model = LedgerSnapshot
        fields = ["q", "status", "year", "format", "workspace"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        # The base classes build the form before the request is known: restrict the choices here.
        self.request = request
        self.form.fields["workspace"].queryset = _workspaces(request)

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(entity_name__icontains=value) | Q(credit_code=value) | Q(source_name__icontains=value)
        )


class ProfileFilterSet(BootstrapFilterSet):
    ORIGINS = [
        ("builtin", _("Built in")),
        ("own", _("My firm's")),
        ("shared", _("Shared by other firms")),
    ]

    q = django_filters.CharFilter(label=_("Search"), method="search")
    kind = django_filters.ChoiceFilter(label=_("Content"), choices=ProfileKind.choices)
    software = django_filters.ChoiceFilter(label=_("Accounting software"), choices=[])
    origin = django_filters.ChoiceFilter(label=_("Made by"), choices=ORIGINS, method="by_origin")

    class Meta:
        model = MappingProfile
        fields = ["q", "kind", "software", "origin"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        visible = (
            MappingProfile.objects.restrict(request.user, VIEW)
            if request is not None
            else MappingProfile.objects.none()
        )
        names = sorted(set(visible.exclude(software="").values_list("software", flat=True)))
        self.form.fields["software"].choices = [("", "---------"), *((n, n) for n in names)]
        self.firm_ids = scope_for(request.user).firm_ids if request is not None else frozenset()

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(name__icontains=value) | Q(software__icontains=value) | Q(notes__icontains=value)
        )

    def by_origin(self, queryset, name, value):
        if value == "builtin":
            return queryset.filter(builtin=True)
        if value == "own":
            return queryset.filter(organisation_id__in=self.firm_ids)
        if value == "shared":
            return queryset.filter(shared=True).exclude(organisation_id__in=self.firm_ids)
        return queryset
