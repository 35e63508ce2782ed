from django.contrib.auth.decorators import login_required
from django.urls import path
from django.views.generic import RedirectView

from cpahub.billing.views import agreements, costs, documents, invoices, receipts, reports

app_name = "billing"


def action(view):
    return login_required(view.as_view())


urlpatterns = [
    path("", RedirectView.as_view(pattern_name="billing:wip"), name="home"),
    path("wip/", reports.WipReportView.as_view(), name="wip"),
    path("ageing/", reports.AgeingReportView.as_view(), name="ageing"),
    path("realisation/", reports.RealisationReportView.as_view(), name="realisation"),
    path("agreements/", agreements.AgreementListView.as_view(), name="agreement_list"),
    path("agreements/add/", agreements.AgreementCreateView.as_view(), name="agreement_add"),
    path("agreements/<int:pk>/", agreements.AgreementDetailView.as_view(), name="agreement_detail"),
    path("agreements/<int:pk>/edit/", agreements.AgreementEditView.as_view(), name="agreement_edit"),
    path("agreements/<int:pk>/rates/", action(agreements.RateAddView), name="agreement_rate"),
    path("agreements/<int:pk>/milestones/", action(agreements.MilestoneAddView), name="agreement_milestone"),
    path("rates/<int:pk>/remove/", agreements.rate_remove, name="rate_remove"),
    path("fee-milestones/<int:pk>/remove/", agreements.milestone_remove, name="milestone_remove"),
    path("expenses/", costs.ExpenseListView.as_view(), name="expense_list"),
    path("expenses/add/", costs.ExpenseCreateView.as_view(), name="expense_add"),
    path("expenses/<int:pk>/", costs.ExpenseDetailView.as_view(), name="expense_detail"),
    path("expenses/<int:pk>/edit/", costs.ExpenseEditView.as_view(), name="expense_edit"),
    path("expenses/<int:pk>/decide/", costs.expense_decide, name="expense_decide"),
    path("adjustments/", costs.AdjustmentListView.as_view(), name="adjustment_list"),
    path("adjustments/add/", costs.AdjustmentCreateView.as_view(), name="adjustment_add"),
    path("adjustments/<int:pk>/", costs.AdjustmentDetailView.as_view(), name="adjustment_detail"),
    path("adjustments/<int:pk>/decide/", costs.adjustment_decide, name="adjustment_decide"),
    path("invoices/", invoices.InvoiceListView.as_view(), name="invoice_list"),
    path("invoices/add/", invoices.InvoiceCreateView.as_view(), name="invoice_add"),
    path("invoices/<int:pk>/", invoices.InvoiceDetailView.as_view(), name="invoice_detail"),
    path("invoices/<int:pk>/edit/", invoices.InvoiceEditView.as_view(), name="invoice_edit"),
    path("invoices/<int:pk>/lines/", action(invoices.LineAddView), name="invoice_line"),
    path("invoices/<int:pk>/issue/", action(invoices.IssueView), name="invoice_issue"),
    path("invoices/<int:pk>/e-invoice/", action(invoices.EInvoiceView), name="invoice_e_number"),
    path("invoices/<int:pk>/cancel/", action(invoices.CancelView), name="invoice_cancel"),
    path("invoices/<int:pk>/credit-note/", action(invoices.CreditNoteView), name="invoice_credit"),
    path("invoices/<int:pk>/delete/", invoices.invoice_delete, name="invoice_delete"),
    path("invoices/<int:pk>/pdf/", documents.pdf, name="invoice_pdf"),
    path("invoices/<int:pk>/xlsx/", documents.xlsx, name="invoice_xlsx"),
    path("invoice-lines/<int:pk>/remove/", invoices.line_remove, name="line_remove"),
    path("receipts/", receipts.ReceiptListView.as_view(), name="receipt_list"),
    path("receipts/add/", receipts.ReceiptCreateView.as_view(), name="receipt_add"),
    path("receipts/<int:pk>/", receipts.ReceiptDetailView.as_view(), name="receipt_detail"),
    path("receipts/<int:pk>/edit/", receipts.ReceiptEditView.as_view(), name="receipt_edit"),
    path("receipts/<int:pk>/allocate/", action(receipts.AllocateView), name="receipt_allocate"),
    path("receipts/<int:pk>/delete/", receipts.receipt_delete, name="receipt_delete"),
    path("allocations/<int:pk>/remove/", receipts.allocation_remove, name="allocation_remove"),
]
