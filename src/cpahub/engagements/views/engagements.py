"""The engagement list and export, adding, editing, continuing, the overview and history tabs."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import OuterRef, Subquery
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cpahub.core.permissions import VIEW
from cpahub.core.views import (
    ObjectCreateView,
    ObjectEditView,
    ObjectListView,
    apply_validation_error,
    changes_for,
)
from cpahub.engagements import forms
from cpahub.engagements.filtersets import EngagementFilterSet
from cpahub.engagements.models import Engagement, ReportNumber
from cpahub.engagements.services import engagements, team
from cpahub.engagements.tables import EngagementTable, ReportNumberTable
from cpahub.engagements.views.common import EngagementView, render_tab
from cpahub.practice.models import FirmSettings


def engagement_rows(user, action=VIEW):
    archive_days = FirmSettings.objects.filter(firm=OuterRef("firm")).values("archive_days")[:1]
    return (
        Engagement.objects.restrict(user, action)
        .select_related("client", "office", "partner", "manager")
        .annotate(archive_days=Subquery(archive_days))
    )


class EngagementListView(ObjectListView):
    model = Engagement
    filterset_class = EngagementFilterSet
    table_class = EngagementTable
    title = gettext_lazy("Engagements")
    export_name = "engagements"
    add_url = "engagements:engagement_add"
    template_name = "engagements/engagement_list.html"

    def get_queryset(self, action=VIEW):
        return engagement_rows(self.request.user, action)


class EngagementCreateView(ObjectCreateView):
    model = Engagement
    form_class = forms.EngagementForm

    def form_kwargs(self):
        kwargs = {"user": self.request.user}
        if self.request.method == "GET" and self.request.GET.get("client"):
            kwargs["initial"] = {"client": self.request.GET["client"]}
        return kwargs

    def create(self, data):
        form_data = dict(data)
        client = form_data.pop("client")
        if form_data.get("office") is None:
            form_data.pop("office", None)
        return engagements.create_engagement(self.request.user, client=client, **form_data)


class EngagementEditView(ObjectEditView):
    model = Engagement
    form_class = forms.EngagementEditForm

    def form_kwargs(self, obj):
        return {"user": self.request.user, "firm": obj.firm}

    def save(self, obj, data):
        return engagements.update_engagement(self.request.user, obj, **data)


class ContinuanceView(EngagementView):
    """Next year's engagement for the same client, started from this one."""

    template = "engagements/continuance.html"

    def initial(self):
        start, end = engagements.next_period(self.engagement)
        return {"period_start": start, "period_end": end}

    def get(self, request, pk):
        form = forms.ContinuanceForm(initial=self.initial())
        return render(request, self.template, {"object": self.engagement, "form": form})

    def post(self, request, pk):
        form = forms.ContinuanceForm(request.POST)
        if form.is_valid():
            try:
                created = engagements.create_continuance(request.user, self.engagement, **form.cleaned_data)
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(request, _("Created %(thing)s.") % {"thing": created})
                return redirect("engagements:acceptance", pk=created.pk)
        return render(request, self.template, {"object": self.engagement, "form": form}, status=400)


class OverviewView(EngagementView):
    def get(self, request, pk):
        e = self.engagement
        acceptance = getattr(e, "acceptance", None)
        return render_tab(
            request,
            e,
            "overview",
            "engagements/tab_overview.html",
            {
                "acceptance": acceptance,
                "budget_hours": team.budget_total(e),
                "continuations": Engagement.objects.restrict(request.user).filter(previous=e),
            },
        )


class HistoryView(EngagementView):
    def get(self, request, pk):
        e = self.engagement
        return render_tab(
            request,
            e,
            "history",
            "engagements/tab_history.html",
            {
                "status_changes": e.status_changes.select_related("user").order_by("-created", "-pk"),
                "report_numbers": e.report_numbers.select_related("issued_by", "voided_by"),
                "changes": changes_for(request.user, e)[:50],
            },
        )


class ReportNumberListView(ObjectListView):
    """Every report number the firm allocated, void ones included (the 文号 register)."""

    model = ReportNumber
    table_class = ReportNumberTable
    title = gettext_lazy("Report numbers")
    export_name = "report-numbers"

    def get_queryset(self, action=VIEW):
        return (
            ReportNumber.objects.restrict(self.request.user, action)
            .select_related("engagement", "issued_by")
            .order_by("-year", "word", "-seq")
        )
