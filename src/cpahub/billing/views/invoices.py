from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from cpahub.billing import filtersets, forms, tables
from cpahub.billing.choices import OPEN_STATUSES, InvoiceStatus
from cpahub.billing.models import Invoice, InvoiceLine
from cpahub.billing.queries import allocated_to, credited_on, finance_engagements
from cpahub.billing.services import invoices
from cpahub.billing.views.common import ActionView, run_or_message
from cpahub.core.permissions import CHANGE, VIEW, can
from cpahub.core.views import (
    ObjectCreateView,
    ObjectDetailView,
    ObjectEditView,
    ObjectListView,
    get_restricted_object,
)


def client_engagements(user, invoice):
    """Engagements a line of this invoice may bill: the client's and its subsidiaries'."""
    client = Q(client_id=invoice.client_id) | Q(client__parent_id=invoice.client_id)
    return finance_engagements(user).filter(client, firm_id=invoice.firm_id).order_by("-created")


class InvoiceListView(ObjectListView):
    model = Invoice
    filterset_class = filtersets.InvoiceFilterSet
    table_class = tables.InvoiceTable
    title = gettext_lazy("Invoices")
    export_name = "invoices"
    add_url = "billing:invoice_add"

    def get_queryset(self, action=VIEW):
        return super().get_queryset(action).select_related("client")


class InvoiceCreateView(ObjectCreateView):
    model = Invoice
    form_class = forms.InvoiceCreateForm
    title = gettext_lazy("New invoice")

    def form_kwargs(self):
        kwargs = {"engagements": finance_engagements(self.request.user).order_by("-created")}
        if self.request.method == "GET" and self.request.GET.get("engagement"):
            kwargs["initial"] = {"engagement": self.request.GET["engagement"]}
        return kwargs

    def create(self, data):
        user, engagement = self.request.user, data["engagement"]
        invoice = invoices.create_invoice(
            user,
            engagement.client,
            engagement=engagement,
            prices_include_tax=data["prices_include_tax"],
            notes=data["notes"],
        )
        if data.get("amount"):
            invoices.add_line(
                user,
                invoice,
                engagement,
                description=data["description"],
                amount=data["amount"],
                kind=data["kind"],
            )
        return invoice


class InvoiceEditView(ObjectEditView):
    model = Invoice
    form_class = forms.InvoiceDraftForm

    def save(self, invoice, data):
        return invoices.update_draft(self.request.user, invoice, **data)


class InvoiceDetailView(ObjectDetailView):
    model = Invoice
    template_name = "billing/invoice_detail.html"

    def get_queryset(self):
        return Invoice.objects.select_related("client", "firm", "office", "issued_by")

    def extra_context(self, invoice):
        user = self.request.user
        may_change = can(user, CHANGE, invoice)
        allocated, credited = allocated_to(invoice), credited_on(invoice)
        context = {
            "lines": invoice.lines.select_related("engagement", "fee_milestone"),
            "credit_notes": invoice.credit_notes.select_related("engagement"),
            "allocations": invoice.allocations.select_related("receipt"),
            "allocated": allocated,
            "credited": credited,
            "open_amount": invoice.gross_amount - allocated - credited,
            "may_change": may_change,
            "is_open": invoice.status in OPEN_STATUSES,
        }
        if may_change and invoice.is_draft:
            first = invoice.lines.values_list("engagement_id", flat=True).first()
            context["line_form"] = forms.LineForm(
                engagements=client_engagements(user, invoice), initial={"engagement": first}
            )
            context["issue_form"] = forms.IssueForm(initial={"issue_date": timezone.localdate()})
        if may_change and invoice.status not in (InvoiceStatus.DRAFT, InvoiceStatus.CANCELLED):
            context["e_invoice_form"] = forms.EInvoiceForm(
                initial={"e_invoice_number": invoice.e_invoice_number}
            )
        return context


class LineAddView(ActionView):
    model = Invoice
    form_class = forms.LineForm
    title = gettext_lazy("Add a line")

    def form_kwargs(self, invoice):
        return {"engagements": client_engagements(self.request.user, invoice)}

    def perform(self, invoice, data):
        engagement = data.pop("engagement")
        return invoices.add_line(self.request.user, invoice, engagement, **data).invoice


class IssueView(ActionView):
    model = Invoice
    form_class = forms.IssueForm
    title = gettext_lazy("Issue the invoice")
    submit = gettext_lazy("Issue")

    def initial(self, invoice):
        return {"issue_date": invoice.issue_date or timezone.localdate(), "due_date": invoice.due_date}

    def perform(self, invoice, data):
        issued = invoices.issue_invoice(self.request.user, invoice, **data)
        messages.success(self.request, _("Invoice %(number)s issued.") % {"number": issued.number})
        return issued


class EInvoiceView(ActionView):
    model = Invoice
    form_class = forms.EInvoiceForm
    title = gettext_lazy("Electronic invoice number")
    done_message = gettext_lazy("Saved.")

    def perform(self, invoice, data):
        return invoices.set_e_invoice_number(self.request.user, invoice, data["e_invoice_number"])


class CancelView(ActionView):
    model = Invoice
    form_class = forms.CancelForm
    title = gettext_lazy("Cancel the invoice")
    submit = gettext_lazy("Cancel the invoice")
    danger = True
    done_message = gettext_lazy("The invoice is cancelled; its number stays used.")

    def initial(self, invoice):
        return {"on": timezone.localdate()}

    def perform(self, invoice, data):
        return invoices.cancel_invoice(self.request.user, invoice, data["reason"], on=data["on"])


class CreditNoteView(ActionView):
    model = Invoice
    form_class = forms.CreditNoteForm
    title = gettext_lazy("Credit note")
    submit = gettext_lazy("Raise the credit note")

    def form_kwargs(self, invoice):
        engagements = finance_engagements(self.request.user).filter(invoice_lines__invoice=invoice).distinct()
        return {"engagements": engagements}

    def initial(self, invoice):
        return {"date": timezone.localdate()}

    def perform(self, invoice, data):
        engagement = data.pop("engagement")
        note = invoices.credit_note(self.request.user, invoice, engagement, **data)
        messages.success(self.request, _("Credit note %(number)s raised.") % {"number": note.number})
        return invoice


@login_required
@require_POST
def line_remove(request, pk):
    line = get_restricted_object(request, InvoiceLine.objects.select_related("invoice"), CHANGE, pk=pk)
    run_or_message(request, invoices.remove_line, line)
    return redirect(line.invoice.get_absolute_url())


@login_required
@require_POST
def invoice_delete(request, pk):
    invoice = get_restricted_object(request, Invoice.objects.all(), CHANGE, pk=pk)
    if run_or_message(request, invoices.delete_draft, invoice):
        messages.success(request, _("The draft is deleted."))
        return redirect("billing:invoice_list")
    return redirect(invoice.get_absolute_url())
