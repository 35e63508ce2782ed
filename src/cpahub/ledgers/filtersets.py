import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cpahub.core.filtersets import BootstrapFilterSet
from cpahub.core.permissions import VIEW
from cpahub.ledgers import formats
from cpahub.ledgers.choices import SnapshotStatus
from cpahub.ledgers.models import LedgerSnapshot, Workspace


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
