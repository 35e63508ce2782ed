from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from cpahub.accounts.choices import PROVINCE_ROLES
from cpahub.core.permissions import CHANGE, VIEW, can, scope_for
from cpahub.core.views import (
    ObjectCreateView,
    ObjectDetailView,
    ObjectEditView,
    ObjectListView,
    apply_validation_error,
    get_restricted_object,
)
from cpahub.registry import filtersets, forms, queries, services, tables
from cpahub.registry.choices import ApplicationStatus
from cpahub.registry.models import CPA, Firm, FirmApplication, IndustryCase, Penalty


class FirmListView(ObjectListView):
    model = Firm
    filterset_class = filtersets.FirmFilterSet
    table_class = tables.FirmTable
    title = gettext_lazy("Firms")
    export_name = "firms"
    add_url = "registry:firm_add"

    def get_queryset(self, action=VIEW):
        return queries.firms(self.request.user, action)


class FirmDetailView(ObjectDetailView):
    model = Firm
    template_name = "registry/firm_detail.html"

    def get_queryset(self):
        return Firm.objects.select_related("organisation", "organisation__parent")

    def changelog_objects(self, firm):
        return [firm, firm.organisation]

    def extra_context(self, firm):
        user = self.request.user
        return {
            "branches": queries.firms(user).filter(organisation__parent=firm.organisation),
            "cpas": queries.cpas(user).filter(firm=firm)[:100],
            "cpa_total": CPA.objects.restrict(user).filter(firm=firm).count(),
            "penalties": queries.penalties(user).filter(firm=firm),
        }


class FirmEditView(ObjectEditView):
    model = Firm
    form_class = forms.FirmForm

    def get_queryset(self):
        return Firm.objects.select_related("organisation")

    def form_kwargs(self, obj):
        return {"association": _is_association(self.request.user, obj)}

    def save(self, firm, data):
        if not _is_association(self.request.user, firm):
            data = {k: v for k, v in data.items() if k not in forms.FirmForm.ASSOCIATION_ONLY}
        return services.update_firm(self.request.user, firm, **data)


def _is_association(user, firm) -> bool:
    scope = scope_for(user)
    return scope.has_role(*PROVINCE_ROLES) or firm.organisation.city in scope.city_codes


class FirmCreateView(ObjectCreateView):
    model = Firm
    form_class = forms.FirmForm

    def create(self, data):
        return services.register_firm(self.request.user, **data)


class CPAListView(ObjectListView):
    model = CPA
    filterset_class = filtersets.CPAFilterSet
    table_class = tables.CPATable
    title = gettext_lazy("CPAs")
    export_name = "cpas"
    add_url = "registry:cpa_add"

    def get_queryset(self, action=VIEW):
        return queries.cpas(self.request.user, action)


class CPADetailView(ObjectDetailView):
    model = CPA
    template_name = "registry/cpa_detail.html"

    def get_queryset(self):
        return CPA.objects.select_related("firm__organisation")

    def extra_context(self, cpa):
        return {
            "events": cpa.events.select_related("from_firm__organisation", "to_firm__organisation"),
            "penalties": queries.penalties(self.request.user).filter(cpa=cpa),
            "can_change_status": _may_change_status(self.request.user, cpa),
        }


def _may_change_status(user, cpa) -> bool:
    scope = scope_for(user)
    return scope.has_role("association_staff") or bool(scope.city_codes and can(user, CHANGE, cpa))


class CPAEditView(ObjectEditView):
    model = CPA
    form_class = forms.CPAForm

    def save(self, cpa, data):
        return services.update_cpa(self.request.user, cpa, **data)


class CPACreateView(ObjectCreateView):
    model = CPA
    form_class = forms.NewCPAForm

    def form_kwargs(self):
        return {"firms": queries.firms(self.request.user, CHANGE)}

    def create(self, data):
        return services.register_cpa(self.request.user, **data)


class CPAActionView(View):
    """Move a CPA to another firm, or change their status (both write history events)."""

    form_class = None
    title = ""

    def get_cpa(self, request, pk):
        return get_restricted_object(request, CPA.objects.select_related("firm__organisation"), CHANGE, pk=pk)

    def form(self, request, data=None):
        return self.form_class(data)

    def get(self, request, pk):
        cpa = self.get_cpa(request, pk)
        return render(
            request,
            "registry/cpa_action.html",
            {"object": cpa, "form": self.form(request), "title": self.title},
        )

    def post(self, request, pk):
        cpa = self.get_cpa(request, pk)
        form = self.form(request, request.POST)
        if form.is_valid():
            try:
                self.apply(request.user, cpa, form.cleaned_data)
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(request, _("Recorded."))
                return redirect(cpa.get_absolute_url())
        return render(
            request,
            "registry/cpa_action.html",
            {"object": cpa, "form": form, "title": self.title},
            status=400,
        )


class CPAMoveView(CPAActionView):
    form_class = forms.MoveCPAForm
    title = gettext_lazy("Move to another firm")

    def form(self, request, data=None):
        return forms.MoveCPAForm(
            data, firms=queries.firms(request.user).filter(organisation__status="active")
        )

    def apply(self, user, cpa, data):
        services.move_cpa(user, cpa, data["to_firm"], data["date"], data["note"])


class CPAStatusView(CPAActionView):
    form_class = forms.CPAStatusForm
    title = gettext_lazy("Change status")

    def apply(self, user, cpa, data):
        services.change_cpa_status(user, cpa, data["status"], data["date"], data["note"])


class PenaltyListView(ObjectListView):
    model = Penalty
    filterset_class = filtersets.PenaltyFilterSet
    table_class = tables.PenaltyTable
    title = gettext_lazy("Penalties and disciplinary records")
    export_name = "penalties"
    add_url = "registry:penalty_add"

    def get_queryset(self, action=VIEW):
        return queries.penalties(self.request.user, action)


class PenaltyDetailView(ObjectDetailView):
    model = Penalty
    template_name = "registry/penalty_detail.html"

    def get_queryset(self):
        return Penalty.objects.select_related("firm__organisation", "cpa")


class PenaltyCreateView(ObjectCreateView):
    model = Penalty
    form_class = forms.PenaltyForm

    def create(self, data):
        return services.record_penalty(self.request.user, **data)


class PenaltyEditView(ObjectEditView):
    model = Penalty
    form_class = forms.PenaltyForm

    def save(self, penalty, data):
        return services.update_penalty(self.request.user, penalty, **data)


class CaseListView(ObjectListView):
    model = IndustryCase
    filterset_class = filtersets.IndustryCaseFilterSet
    table_class = tables.IndustryCaseTable
    title = gettext_lazy("Industry cases")
    add_url = "registry:case_add"


class CaseDetailView(ObjectDetailView):
    model = IndustryCase
    template_name = "registry/case_detail.html"


class CaseCreateView(ObjectCreateView):
    model = IndustryCase
    form_class = forms.IndustryCaseForm

    def create(self, data):
        return services.save_case(self.request.user, IndustryCase(), **data)


class CaseEditView(ObjectEditView):
    model = IndustryCase
    form_class = forms.IndustryCaseForm

    def save(self, case, data):
        return services.save_case(self.request.user, case, **data)


class ApplicationListView(ObjectListView):
    model = FirmApplication
    filterset_class = filtersets.FirmApplicationFilterSet
    table_class = tables.FirmApplicationTable
    title = gettext_lazy("Firm applications")


class ApplicationDetailView(ObjectDetailView):
    model = FirmApplication
    template_name = "registry/application_detail.html"

    def extra_context(self, application):
        return {
            "reject_form": forms.RejectApplicationForm(),
            "pending": application.status == ApplicationStatus.PENDING,
            "invitation_link": self.request.session.pop(f"invitation-{application.pk}", None),
        }


class ApplicationDecisionView(View):
    def post(self, request, pk, decision):
        application = get_restricted_object(request, FirmApplication.objects.all(), CHANGE, pk=pk)
        try:
            if decision == "approve":
                _firm, token = services.approve_application(request.user, application)
                request.session[f"invitation-{application.pk}"] = request.build_absolute_uri(
                    f"/accounts/invite/{token}/"
                )
                messages.success(
                    request, _("Approved. Send the invitation link to the firm's administrator.")
                )
            else:
                form = forms.RejectApplicationForm(request.POST)
                reason = form.data.get("reason", "")
                services.reject_application(request.user, application, reason)
                messages.info(request, _("Rejected."))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        return redirect(application.get_absolute_url())
