"""Lists of weeks, the utilisation report and the budget-vs-actual report."""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from cpahub.core import exports
from cpahub.core.permissions import EXPORT, VIEW, scope_for
from cpahub.core.views import ObjectListView, log_denied
from cpahub.engagements.choices import Status as EngagementStatus
from cpahub.engagements.models import Engagement
from cpahub.practice.access import firms_for
from cpahub.timesheets import budget, filtersets, periods, reports, tables
from cpahub.timesheets.access import reportable_staff
from cpahub.timesheets.forms import UtilisationForm
from cpahub.timesheets.models import Timesheet, with_totals
from cpahub.timesheets.workdays import CalendarUnsupported


class SheetListView(ObjectListView):
    """Every week the user may see (their own, their engagements', their office's)."""

    model = Timesheet
    filterset_class = filtersets.SheetFilterSet
    table_class = tables.SheetTable
    title = gettext_lazy("Timesheets")
    export_name = "timesheets"

    def get_queryset(self, action=VIEW):
        return with_totals(Timesheet.objects.restrict(self.request.user, action))


class HistoryView(SheetListView):
    title = gettext_lazy("My timesheet history")
    export_name = "my-timesheets"

    def get_queryset(self, action=VIEW):
        return super().get_queryset(action).filter(user=self.request.user)


def report_firm(request):
    firms = firms_for(scope_for(request.user))
    firm = firms.filter(pk=request.GET.get("firm")).first() if request.GET.get("firm", "").isdigit() else None
    firm = firm or firms.order_by("pk").first()
    if firm is None:
        log_denied(request, "time report without a firm")
        raise PermissionDenied
    return firm


class UtilisationView(LoginRequiredMixin, View):
    def get(self, request):
        firm = report_firm(request)
        staff = reportable_staff(scope_for(request.user)).filter(firm=firm)
        if not staff.exists():
            log_denied(request, "utilisation report")
            raise PermissionDenied
        engagements = Engagement.objects.restrict(request.user, VIEW).filter(firm=firm).order_by("-created")
        form = UtilisationForm(request.GET or None, engagements=engagements)
        rows, start, end = [], None, None
        data = form.cleaned_data if form.is_bound and form.is_valid() else {}
        if not form.is_bound or data:
            try:
                start, end = periods.period(
                    data.get("period", "month"),
                    **{k: data.get(k) for k in ("year", "month", "quarter", "start", "end")},
                )
                rows = reports.utilisation(
                    firm,
                    start,
                    end,
                    data.get("by", "person"),
                    staff=staff,
                    engagement=data.get("engagement"),
                    include_submitted=bool(data.get("submitted")),
                )
            except (ValidationError, CalendarUnsupported) as error:
                form.add_error(None, getattr(error, "messages", [str(error)]))
                rows = []
        by = data.get("by", "person")
        if request.GET.get("export") == "xlsx" and rows:
            return self.export(request, rows, by, start, end)
        total = reports.total(rows)
        chart = {
            "categories": [row.label for row in rows],
            "series": [{"name": _("Utilisation %"), "values": [float(row.percent or 0) for row in rows]}],
        }
        query = request.GET.copy()
        query.pop("export", None)
        return render(
            request,
            "timesheets/utilisation.html",
            {
                "form": form,
                "rows": rows,
                "total": total,
                "by": by,
                "start": start,
                "end": end,
                "firm": firm,
                "chart": chart if rows else None,
                "query": query.urlencode(),
            },
        )

    def export(self, request, rows, by, start, end):
        from cpahub.accounts.choices import SecurityEventType
        from cpahub.accounts.security import log_event

        headers = [
            str(forms_label(by)),
            _("People"),
            _("Working days"),
            _("Available hours"),
            _("Chargeable hours"),
            _("Recorded hours"),
            _("Utilisation %"),
        ]
        if by == "person":
            headers += [_("Office"), _("Grade"), _("Capacity")]
        body = []
        for row in [*rows, reports.total(rows)]:
            line = [
                row.label,
                row.people,
                row.working_days,
                row.available,
                row.chargeable,
                row.recorded,
                row.percent,
            ]
            if by == "person":
                line += [
                    row.extra.get("office", ""),
                    row.extra.get("grade", ""),
                    row.extra.get("capacity", ""),
                ]
            body.append(line)
        log_event(
            SecurityEventType.EXPORT,
            user=request.user,
            request=request,
            what="timesheets.utilisation",
            format="xlsx",
            rows=len(rows),
            filter=request.GET.urlencode(),
        )
        return exports.xlsx_response(f"utilisation-{start}-{end}", _("Utilisation"), headers, body)


def forms_label(by: str):
    from cpahub.timesheets.forms import BY_LABELS

    return BY_LABELS[by]


class BudgetReportView(LoginRequiredMixin, View):
    """Budget vs actual of every engagement the user sees, worst first when asked for warnings."""

    def get(self, request):
        firm = report_firm(request)
        action = EXPORT if request.GET.get("export") == "xlsx" else VIEW
        engagements = Engagement.objects.restrict(request.user, action).filter(firm=firm)
        status = request.GET.get("status", "")
        if status in EngagementStatus.values:
            engagements = engagements.filter(status=status)
        engagements = list(engagements.select_related("client").order_by("code"))
        found = budget.statuses([e.pk for e in engagements])
        items = [(e, found[e.pk]) for e in engagements]
        only = request.GET.get("level", "")
        if only == "warnings":
            items = [(e, s) for e, s in items if s.level in ("warning", "over", "unbudgeted")]
        elif only in budget.LEVELS:
            items = [(e, s) for e, s in items if s.level == only]
        if action == EXPORT:
            return self.export(request, items)
        page = Paginator(items, 50).get_page(request.GET.get("page"))
        query = request.GET.copy()
        query.pop("page", None)
        return render(
            request,
            "timesheets/budget_report.html",
            {
                "page_obj": page,
                "paginator": page.paginator,
                "statuses": EngagementStatus.choices,
                "status": status,
                "level": only,
                "levels": [(k, v[0]) for k, v in budget.LEVELS.items()],
                "query": query.urlencode(),
            },
        )

    def export(self, request, items):
        from cpahub.accounts.choices import SecurityEventType
        from cpahub.accounts.security import log_event

        headers = [
            _("Engagement code"),
            _("Engagement"),
            _("Grade"),
            _("Budget hours"),
            _("Approved hours"),
            _("Submitted hours"),
            _("Actual hours"),
            _("Used %"),
            _("Warning"),
        ]
        body = []
        for engagement, found in items:
            for row in [*found.rows, found.total]:
                body.append(
                    [
                        engagement.code,
                        engagement.name,
                        row.grade,
                        row.budget,
                        row.approved,
                        row.submitted,
                        row.actual,
                        row.percent,
                        str(row.level_label),
                    ]
                )
        log_event(
            SecurityEventType.EXPORT,
            user=request.user,
            request=request,
            what="timesheets.budget",
            format="xlsx",
            rows=len(body),
            filter=request.GET.urlencode(),
        )
        return exports.xlsx_response("budget-vs-actual", _("Budget vs actual"), headers, body)
