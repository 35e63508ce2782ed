from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import DecimalField, F, Sum, Value
from django.db.models.functions import Coalesce
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from cpahub.billing import filtersets, forms, tables
from cpahub.billing.choices import OPEN_STATUSES
from cpahub.billing.models import Allocation, Invoice, Receipt
from cpahub.billing.queries import finance_clients, unallocated
from cpahub.billing.services import receipts
from cpahub.billing.views.common import ActionView, run_or_message
from cpahub.core.permissions import CHANGE, VIEW, can
from cpahub.core.views import (
    ObjectCreateView,
    ObjectDetailView,
    ObjectEditView,
    ObjectListView,
    get_restricted_object,
)

ZERO = Value(Decimal("0"), output_field=DecimalField(max_digits=14, decimal_places=2))


def with_unallocated(queryset):
    unallocated = F("amount") - Coalesce(Sum("allocations__amount"), ZERO)
    return queryset.annotate(unallocated=unallocated).order_by("-date", "-pk")  # GROUP BY drops Meta.ordering


def open_invoices(user, receipt):
    """Invoices this receipt may pay: open, of the same firm, the oldest due first."""
    invoices = Invoice.objects.restrict(user, CHANGE).filter(
        firm_id=receipt.firm_id, status__in=OPEN_STATUSES
    )
    return invoices.select_related("client").order_by("due_date", "pk")


class ReceiptListView(ObjectListView):
    model = Receipt
    filterset_class = filtersets.ReceiptFilterSet
    table_class = tables.ReceiptTable
    title = gettext_lazy("Receipts")
    export_name = "receipts"
    add_url = "billing:receipt_add"

    def get_queryset(self, action=VIEW):
        return with_unallocated(super().get_queryset(action).select_related("client"))


class ReceiptCreateView(ObjectCreateView):
    model = Receipt
    form_class = forms.ReceiptForm

    def form_kwargs(self):
        user = self.request.user
        kwargs = {"clients": finance_clients(user), "offices": receipts.finance_offices(user)}
        if self.request.method == "GET" and self.request.GET.get("client"):
            kwargs["initial"] = {"client": self.request.GET["client"]}
        return kwargs

    def create(self, data):
        return receipts.record_receipt(self.request.user, **data)


class ReceiptEditView(ObjectEditView):
    model = Receipt
    form_class = forms.ReceiptForm

    def save(self, receipt, data):
        return receipts.update_receipt(self.request.user, receipt, **data)


class ReceiptDetailView(ObjectDetailView):
    model = Receipt
    template_name = "billing/receipt_detail.html"

    def get_queryset(self):
        return Receipt.objects.select_related("client", "office", "recorded_by")

    def extra_context(self, receipt):
        user = self.request.user
        free = unallocated(receipt)
        context = {
            "allocations": receipt.allocations.select_related("invoice"),
            "unallocated": free,
            "may_change": can(user, CHANGE, receipt),
        }
        if context["may_change"] and free > 0:
            invoices = open_invoices(user, receipt)
            first = invoices.filter(client_id=receipt.client_id).first() if receipt.client_id else None
            context["allocation_form"] = forms.AllocationForm(
                invoices=invoices, initial={"invoice": first, "amount": free}
            )
        return context


class AllocateView(ActionView):
    model = Receipt
    form_class = forms.AllocationForm
    title = gettext_lazy("Allocate to an invoice")
    submit = gettext_lazy("Allocate")
    done_message = gettext_lazy("Allocated.")

    def form_kwargs(self, receipt):
        return {"invoices": open_invoices(self.request.user, receipt)}

    def perform(self, receipt, data):
        return receipts.allocate(self.request.user, receipt, data["invoice"], data["amount"]).receipt


@login_required
@require_POST
def allocation_remove(request, pk):
    allocation = get_restricted_object(request, Allocation.objects.select_related("receipt"), CHANGE, pk=pk)
    if run_or_message(request, receipts.unallocate, allocation):
        messages.success(request, _("The allocation is removed."))
    return redirect(allocation.receipt.get_absolute_url())


@login_required
@require_POST
def receipt_delete(request, pk):
    receipt = get_restricted_object(request, Receipt.objects.all(), CHANGE, pk=pk)
    if run_or_message(request, receipts.delete_receipt, receipt):
        messages.success(request, _("Deleted."))
        return redirect("billing:receipt_list")
    return redirect(receipt.get_absolute_url())
