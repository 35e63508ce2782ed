"""Report pages: WIP, receivables ageing, realisation — each with an Excel download."""

import datetime

from django import forms
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from cpahub.billing import reports
from cpahub.billing.choices import AGE_BUCKETS
from cpahub.billing.queries import report_firms
from cpahub.core import exports
from cpahub.core.forms import BootstrapFormMixin, DateInput
from cpahub.core.views import log_denied

WIP_BY = [
    ("engagement", gettext_lazy("Engagement")),
    ("partner", gettext_lazy("Partner")),
    ("manager", gettext_lazy("Manager")),
    ("client", gettext_lazy("Client")),
    ("office", gettext_lazy("Office")),
]
AGE_LABELS = [label for _key, label, _days in AGE_BUCKETS]
PAGE_ROWS = 100


class AsOfForm(BootstrapFormMixin, forms.Form):
    as_of = forms.DateField(label=gettext_lazy("As of"), required=False, widget=DateInput())


class WipForm(AsOfForm):
    by = forms.ChoiceField(label=gettext_lazy("By"), choices=WIP_BY, required=False)


class PeriodForm(BootstrapFormMixin, forms.Form):
    start = forms.DateField(label=gettext_lazy("From"), required=False, widget=DateInput())
    end = forms.DateField(label=gettext_lazy("To"), required=False, widget=DateInput())
    by = forms.ChoiceField(label=gettext_lazy("By"), choices=WIP_BY[:2], required=False)

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            raise forms.ValidationError(_("The period ends before it starts."))
        return data


class ReportView(LoginRequiredMixin, View):
    form_class = None
    template_name = ""
    export_name = ""

    def firm(self, request):
        firms = report_firms(request.user)
        chosen = request.GET.get("firm", "")
        firm = firms.filter(pk=chosen).first() if chosen.isdigit() else None
        firm = firm or firms.first()
        if firm is None:
            log_denied(request, f"billing report {self.export_name}")
            raise PermissionDenied
        return firm

    def get(self, request):
        firm = self.firm(request)
        form = self.form_class(request.GET or None, initial=self.initial())
        data = form.cleaned_data if form.is_bound and form.is_valid() else {}
        if form.is_bound and not form.is_valid():
            return render(request, self.template_name, {"form": form, "firm": firm}, status=400)
        report, context = self.run(firm, data)
        if request.GET.get("export") == "xlsx":
            return self.export(request, *self.table(report, context))
        query = request.GET.copy()
        query.pop("export", None)
        query.pop("page", None)
        # the page shows a page of rows (the total is always of all); Excel has every row
        page_obj = Paginator(report.rows, PAGE_ROWS).get_page(request.GET.get("page"))
        context.update(
            form=form,
            firm=firm,
            report=report,
            query=query.urlencode(),
            page_obj=page_obj,
            paginator=page_obj.paginator,
        )
        context["firms"] = report_firms(request.user)
        return render(request, self.template_name, context)

    def initial(self) -> dict:
        today = timezone.localdate()
        return {"as_of": today, "start": datetime.date(today.year, 1, 1), "end": today}

    def export(self, request, headers, rows):
        from cpahub.accounts.choices import SecurityEventType
        from cpahub.accounts.security import log_event

        log_event(
            SecurityEventType.EXPORT,
            user=request.user,
            request=request,
            what=f"billing.{self.export_name}",
            format="xlsx",
            rows=len(rows),
            filter=request.GET.urlencode(),
        )
        return exports.xlsx_response(self.export_name, self.export_name, [str(h) for h in headers], rows)


def _today(data, key="as_of"):
    return data.get(key) or timezone.localdate()


class WipReportView(ReportView):
    form_class = WipForm
    template_name = "billing/report_wip.html"
    export_name = "wip"

    def run(self, firm, data):
        by = data.get("by") or "engagement"
        report = reports.wip(firm, _today(data), by=by, user=self.request.user)
        context = {"by": by, "by_label": dict(WIP_BY)[by], "age_labels": AGE_LABELS}
        return report, {**context, "subtitle": report.as_of.isoformat()}

    def table(self, report, context):
        headers = [
            context["by_label"],
            _("Hours"),
            _("Time value"),
            _("Above the cap"),
            _("Expenses"),
            _("Billed"),
            _("Write-ons"),
            _("Write-offs"),
            _("WIP"),
            *AGE_LABELS,
        ]
        rows = [
            [
                r.label,
                r.hours,
                r.time_value,
                r.above_cap,
                r.expenses,
                r.billed,
                r.write_on,
                r.write_off,
                r.wip,
                *r.ages,
            ]
            for r in [*report.rows, report.total]
        ]
        return headers, rows


class AgeingReportView(ReportView):
    form_class = AsOfForm
    template_name = "billing/report_ageing.html"
    export_name = "receivables-ageing"

    def run(self, firm, data):
        report = reports.ageing(firm, _today(data), user=self.request.user)
        chart = {
            "categories": [str(label) for label in AGE_LABELS],
            "series": [{"name": _("Receivables"), "values": [float(value) for value in report.total.ages]}],
        }
        context = {"chart": chart if report.rows else None, "age_labels": AGE_LABELS}
        return report, {**context, "subtitle": report.as_of.isoformat()}

    def table(self, report, context):
        headers = [_("Client"), *AGE_LABELS, _("Balance"), _("Unallocated receipts")]
        rows = [[r.label, *r.ages, r.balance, r.unallocated] for r in [*report.rows, report.total]]
        return headers, rows


class RealisationReportView(ReportView):
    form_class = PeriodForm
    template_name = "billing/report_realisation.html"
    export_name = "realisation"

    def run(self, firm, data):
        end = data.get("end") or timezone.localdate()
        start = data.get("start") or datetime.date(end.year, 1, 1)
        by = data.get("by") or "engagement"
        report = reports.realisation(firm, start, end, by=by, user=self.request.user)
        return report, {"subtitle": f"{start.isoformat()} – {end.isoformat()}", "by_label": dict(WIP_BY)[by]}

    def table(self, report, context):
        headers = [
            context["by_label"],
            _("Hours"),
            _("Standard value"),
            _("Billed"),
            _("Collected"),
            _("Billed ÷ standard"),
            _("Collected ÷ billed"),
        ]
        rows = [
            [r.label, r.hours, r.standard, r.billed, r.collected, r.billing_rate, r.collection_rate]
            for r in [*report.rows, report.total]
        ]
        return headers, rows
