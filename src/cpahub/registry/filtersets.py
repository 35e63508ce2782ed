import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cpahub.accounts.choices import City, OrgStatus
from cpahub.core.filtersets import BootstrapFilterSet
from cpahub.registry.choices import Authority, CPAStatus, LegalForm, PenaltyKind, SubjectKind
from cpahub.registry.models import CPA, Firm, FirmApplication, IndustryCase, Penalty


class FirmFilterSet(BootstrapFilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    city = django_filters.ChoiceFilter(label=_("City"), field_name="organisation__city", choices=City.choices)
    status = django_filters.ChoiceFilter(
        label=_("Status"), field_name="organisation__status", choices=OrgStatus.choices
    )
    legal_form = django_filters.ChoiceFilter(label=_("Legal form"), choices=LegalForm.choices)
    securities_qualified = django_filters.BooleanFilter(label=_("Securities qualification"))
    branch = django_filters.BooleanFilter(
        label=_("Branch"), field_name="organisation__parent", lookup_expr="isnull", exclude=True
    )

    class Meta:
        model = Firm
        fields = ["q", "city", "status", "legal_form", "securities_qualified", "branch"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(organisation__name__icontains=value)
            | Q(organisation__credit_code=value.upper())
            | Q(licence_no=value)
            | Q(firm_no=value)
        )


class CPAFilterSet(BootstrapFilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    firm = django_filters.NumberFilter(
        label=_("Firm"), field_name="firm_id", widget=django_filters.widgets.forms.HiddenInput
    )
    city = django_filters.ChoiceFilter(
        label=_("City"), field_name="firm__organisation__city", choices=City.choices
    )
    status = django_filters.ChoiceFilter(label=_("Status"), choices=CPAStatus.choices)
    is_partner = django_filters.BooleanFilter(label=_("Partner"))

    class Meta:
        model = CPA
        fields = ["q", "firm", "city", "status", "is_partner"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(name__icontains=value) | Q(certificate_no=value) | Q(firm__organisation__name__icontains=value)
        )


class PenaltyFilterSet(BootstrapFilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    subject_kind = django_filters.ChoiceFilter(label=_("Subject"), choices=SubjectKind.choices)
    authority = django_filters.ChoiceFilter(label=_("Authority"), choices=Authority.choices)
    kind = django_filters.ChoiceFilter(label=_("Type"), choices=PenaltyKind.choices)
    year = django_filters.NumberFilter(label=_("Year"), field_name="decided_on", lookup_expr="year")
    published = django_filters.BooleanFilter(label=_("Published"))

    class Meta:
        model = Penalty
        fields = ["q", "subject_kind", "authority", "kind", "year", "published"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(document_no__icontains=value)
            | Q(firm__organisation__name__icontains=value)
            | Q(cpa__name__icontains=value)
            | Q(text__icontains=value)
        )


class IndustryCaseFilterSet(BootstrapFilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    category = django_filters.CharFilter(label=_("Category"), lookup_expr="iexact")

    class Meta:
        model = IndustryCase
        fields = ["q", "category"]

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(
            Q(title__icontains=value) | Q(summary__icontains=value) | Q(body__icontains=value)
        )


class FirmApplicationFilterSet(BootstrapFilterSet):
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=FirmApplication._meta.get_field("status").choices
    )
    city = django_filters.ChoiceFilter(label=_("City"), choices=City.choices)

    class Meta:
        model = FirmApplication
        fields = ["status", "city"]
