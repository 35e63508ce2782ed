import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cpahub.billing.choices import AdjustmentKind, Decision, ExpenseCategory, FeeBasis, InvoiceStatus
from cpahub.billing.models import Expense, FeeAgreement, Invoice, Receipt, WipAdjustment
from cpahub.billing.queries import finance_clients
from cpahub.clients.models import Client
from cpahub.core.filtersets import BootstrapFilterSet, DateInput


def _engagement_search(queryset, value, prefix="engagement__"):
    value = value.strip()
    return queryset.filter(
        Q(**{f"{prefix}code__icontains": value})
        | Q(**{f"{prefix}name__icontains": value})
        | Q(**{f"{prefix}client__name__icontains": value})
    )


class AgreementFilterSet(BootstrapFilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    basis = django_filters.ChoiceFilter(label=_("Fee basis"), choices=FeeBasis.choices)

    class Meta:
        model = FeeAgreement
        fields = ["q", "basis"]

    def search(self, queryset, name, value):
        return _engagement_search(queryset, value)


class ExpenseFilterSet(BootstrapFilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    status = django_filters.ChoiceFilter(label=_("Status"), choices=Decision.choices)
    category = django_filters.ChoiceFilter(label=_("Category"), choices=ExpenseCategory.choices)
    engagement = django_filters.NumberFilter(
        label=_("Engagement"), field_name="engagement_id", widget=django_filters.widgets.forms.HiddenInput
    )

    class Meta:
        model = Expense
        fields = ["q", "status", "category", "engagement"]

    def search(self, queryset, name, value):
        return _engagement_search(queryset, value) | queryset.filter(description__icontains=value.strip())


class AdjustmentFilterSet(BootstrapFilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    status = django_filters.ChoiceFilter(label=_("Status"), choices=Decision.choices)
    kind = django_filters.ChoiceFilter(label=_("Write-on or write-off"), choices=AdjustmentKind.choices)

    class Meta:
        model = WipAdjustment
        fields = ["q", "status", "kind"]

    def search(self, queryset, name, value):
        return _engagement_search(queryset, value)


class InvoiceFilterSet(BootstrapFilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    status = django_filters.ChoiceFilter(label=_("Status"), choices=InvoiceStatus.choices)
    client = django_filters.ModelChoiceFilter(label=_("Client"), queryset=Client.objects.none())
    issued_from = django_filters.DateFilter(
        label=_("Issued from"), field_name="issue_date", lookup_expr="gte", widget=DateInput
    )
    issued_to = django_filters.DateFilter(
        label=_("Issued to"), field_name="issue_date", lookup_expr="lte", widget=DateInput
    )

    class Meta:
        model = Invoice
        fields = ["q", "status", "client", "issued_from", "issued_to"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = self.request.user if self.request else None
        self.filters["client"].queryset = finance_clients(user) if user else Client.objects.none()

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(
            Q(number__icontains=value)
            | Q(e_invoice_number__icontains=value)
            | Q(buyer_name__icontains=value)
            | Q(client__name__icontains=value)
            | Q(lines__engagement__code__icontains=value)
        ).distinct()


class ReceiptFilterSet(BootstrapFilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    client = django_filters.ModelChoiceFilter(label=_("Client"), queryset=Client.objects.none())
    since = django_filters.DateFilter(label=_("From"), field_name="date", lookup_expr="gte", widget=DateInput)
    until = django_filters.DateFilter(label=_("To"), field_name="date", lookup_expr="lte", widget=DateInput)
    open = django_filters.BooleanFilter(label=_("With an unallocated balance"), method="with_balance")

    class Meta:
        model = Receipt
        fields = ["q", "client", "since", "until", "open"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = self.request.user if self.request else None
        self.filters["client"].queryset = finance_clients(user) if user else Client.objects.none()

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(payer__icontains=value) | Q(bank_reference__icontains=value))

    def with_balance(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(unallocated__gt=0) if value else queryset.filter(unallocated__lte=0)
