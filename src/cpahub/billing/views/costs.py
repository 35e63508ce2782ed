from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from cpahub.billing import filtersets, forms, tables
from cpahub.billing.choices import Decision
from cpahub.billing.models import Expense, WipAdjustment
from cpahub.billing.queries import cost_engagements
from cpahub.billing.services import costs
from cpahub.billing.views.common import run_or_message
from cpahub.core.permissions import VIEW
from cpahub.core.views import (
    ObjectCreateView,
    ObjectDetailView,
    ObjectEditView,
    ObjectListView,
    get_restricted_object,
)


def firm_people(user):
    """People of the firms where the user records costs (for 'incurred by')."""
    firms = cost_engagements(user).values("firm_id")
    return (
        get_user_model().objects.filter(staff_profiles__firm_id__in=firms).distinct().order_by("display_name")
    )


class ExpenseListView(ObjectListView):
    model = Expense
    filterset_class = filtersets.ExpenseFilterSet
    table_class = tables.ExpenseTable
    title = gettext_lazy("Expenses")
    export_name = "expenses"
    add_url = "billing:expense_add"

    def get_queryset(self, action=VIEW):
        return super().get_queryset(action).select_related("engagement", "incurred_by")


class ExpenseCreateView(ObjectCreateView):
    model = Expense
    form_class = forms.ExpenseForm

    def form_kwargs(self):
        user = self.request.user
        kwargs = {"engagements": cost_engagements(user), "people": firm_people(user)}
        if self.request.method == "GET" and self.request.GET.get("engagement"):
            kwargs["initial"] = {"engagement": self.request.GET["engagement"]}
        return kwargs

    def create(self, data):
        engagement = data.pop("engagement")
        return costs.record_expense(self.request.user, engagement, **data)


class ExpenseEditView(ObjectEditView):
    model = Expense
    form_class = forms.ExpenseForm

    def form_kwargs(self, expense):
        return {"people": firm_people(self.request.user)}

    def save(self, expense, data):
        return costs.update_expense(self.request.user, expense, **data)


class ExpenseDetailView(ObjectDetailView):
    model = Expense
    template_name = "billing/expense_detail.html"

    def get_queryset(self):
        return Expense.objects.select_related(
            "engagement__client", "incurred_by", "recorded_by", "decided_by"
        )

    def extra_context(self, expense):
        may_decide = expense.status == Decision.PENDING and costs.may_approve_expense(
            self.request.user, expense
        )
        return {
            "decision_form": forms.DecisionForm() if may_decide else None,
            "decide_url": "billing:expense_decide",
        }


class AdjustmentListView(ObjectListView):
    model = WipAdjustment
    filterset_class = filtersets.AdjustmentFilterSet
    table_class = tables.AdjustmentTable
    title = gettext_lazy("Write-ons and write-offs")
    export_name = "wip-adjustments"
    add_url = "billing:adjustment_add"

    def get_queryset(self, action=VIEW):
        return super().get_queryset(action).select_related("engagement", "requested_by", "decided_by")


class AdjustmentCreateView(ObjectCreateView):
    model = WipAdjustment
    form_class = forms.AdjustmentForm
    title = gettext_lazy("Ask for a write-on or write-off")

    def form_kwargs(self):
        kwargs = {"engagements": cost_engagements(self.request.user)}
        if self.request.method == "GET":
            kwargs["initial"] = {key: self.request.GET.get(key) for key in ("engagement", "kind", "amount")}
        return kwargs

    def create(self, data):
        engagement = data.pop("engagement")
        return costs.request_adjustment(self.request.user, engagement, **data)


class AdjustmentDetailView(ObjectDetailView):
    model = WipAdjustment
    template_name = "billing/adjustment_detail.html"

    def get_queryset(self):
        return WipAdjustment.objects.select_related("engagement__client", "requested_by", "decided_by")

    def extra_context(self, adjustment):
        user = self.request.user
        may_decide = adjustment.status == Decision.PENDING and costs.may_approve_adjustment(user, adjustment)
        return {
            "decision_form": forms.DecisionForm() if may_decide else None,
            "decide_url": "billing:adjustment_decide",
        }


def _decide(request, model, pk, service):
    row = get_restricted_object(request, model.objects.select_related("engagement"), VIEW, pk=pk)
    approve = request.POST.get("decision") == "approve"
    form = forms.DecisionForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    if run_or_message(request, service, row, approve, note):
        messages.success(request, _("Approved.") if approve else _("Rejected."))
    return redirect(row.get_absolute_url())


@login_required
@require_POST
def expense_decide(request, pk):
    return _decide(request, Expense, pk, costs.decide_expense)


@login_required
@require_POST
def adjustment_decide(request, pk):
    return _decide(request, WipAdjustment, pk, costs.decide_adjustment)
