from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from cpahub.billing import filtersets, forms, tables
from cpahub.billing.models import FeeAgreement, FeeMilestone, RateOverride
from cpahub.billing.queries import finance_engagements
from cpahub.billing.services import agreements
from cpahub.billing.views.common import ActionView, run_or_message
from cpahub.core.permissions import CHANGE, VIEW, can
from cpahub.core.views import (
    ObjectCreateView,
    ObjectDetailView,
    ObjectEditView,
    ObjectListView,
    get_restricted_object,
)
from cpahub.practice.models import Grade


class AgreementListView(ObjectListView):
    model = FeeAgreement
    filterset_class = filtersets.AgreementFilterSet
    table_class = tables.AgreementTable
    title = gettext_lazy("Fee agreements")
    export_name = "fee-agreements"
    add_url = "billing:agreement_add"

    def get_queryset(self, action=VIEW):
        return super().get_queryset(action).select_related("engagement__client")


class AgreementCreateView(ObjectCreateView):
    model = FeeAgreement
    form_class = forms.AgreementForm

    def form_kwargs(self):
        engagements = finance_engagements(self.request.user).filter(fee_agreement__isnull=True)
        kwargs = {"engagements": engagements}
        if self.request.method == "GET" and self.request.GET.get("engagement"):
            kwargs["initial"] = {"engagement": self.request.GET["engagement"]}
        return kwargs

    def create(self, data):
        engagement = data.pop("engagement")
        return agreements.save_agreement(self.request.user, engagement, **data)


class AgreementEditView(ObjectEditView):
    model = FeeAgreement
    form_class = forms.AgreementForm

    def save(self, agreement, data):
        return agreements.save_agreement(self.request.user, agreement.engagement, agreement, **data)


class AgreementDetailView(ObjectDetailView):
    model = FeeAgreement
    template_name = "billing/agreement_detail.html"

    def get_queryset(self):
        return FeeAgreement.objects.select_related("engagement__client", "engagement__partner")

    def extra_context(self, agreement):
        firm_id = agreement.engagement.firm_id
        may_change = can(self.request.user, CHANGE, agreement)
        overrides = {override.grade_id: override for override in agreement.rates.all()}
        grades = Grade.objects.filter(firm_id=firm_id).order_by("rank", "code")
        return {
            "grade_rows": [(grade, overrides.get(grade.pk)) for grade in grades],
            "milestones": agreement.milestones.select_related("milestone").prefetch_related(
                "invoice_lines__invoice"
            ),
            "rate_form": forms.RateForm(firm_id=firm_id) if may_change else None,
            "milestone_form": forms.MilestoneForm(engagement=agreement.engagement) if may_change else None,
        }


class RateAddView(ActionView):
    model = FeeAgreement
    form_class = forms.RateForm
    title = gettext_lazy("Agreed rate")

    def form_kwargs(self, agreement):
        return {"firm_id": agreement.engagement.firm_id}

    def perform(self, agreement, data):
        agreements.set_rate(self.request.user, agreement, data["grade"], data["rate"])
        return agreement


class MilestoneAddView(ActionView):
    model = FeeAgreement
    form_class = forms.MilestoneForm
    title = gettext_lazy("Fee milestone")

    def form_kwargs(self, agreement):
        return {"engagement": agreement.engagement}

    def perform(self, agreement, data):
        agreements.add_milestone(self.request.user, agreement, **data)
        return agreement


@login_required
@require_POST
def rate_remove(request, pk):
    override = get_restricted_object(request, RateOverride.objects.select_related("agreement"), CHANGE, pk=pk)
    if run_or_message(request, agreements.remove_rate, override):
        from django.contrib import messages

        messages.success(request, _("Removed."))
    return redirect(override.agreement.get_absolute_url())


@login_required
@require_POST
def milestone_remove(request, pk):
    milestone = get_restricted_object(
        request, FeeMilestone.objects.select_related("agreement"), CHANGE, pk=pk
    )
    run_or_message(request, agreements.remove_milestone, milestone)
    return redirect(milestone.agreement.get_absolute_url())
