"""Approvals queue for managers, decisions on a week or a line, reopening, and a week's page."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Sum
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View

from cpahub.core.permissions import VIEW, scope_for
from cpahub.core.views import changes_for, get_restricted_object
from cpahub.timesheets import grid, services
from cpahub.timesheets.access import approvable_q
from cpahub.timesheets.choices import Status
from cpahub.timesheets.forms import ReasonForm
from cpahub.timesheets.models import TimeEntry, Timesheet
from cpahub.timesheets.views import refused


def _back(request, fallback: str):
    target = request.POST.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect(fallback)


def _day_totals(sheet_ids) -> dict[int, list[Decimal]]:
    """The person's whole week per day (all their lines), for every sheet, in one query."""
    totals: dict[int, dict] = defaultdict(dict)
    rows = (
        TimeEntry.objects.filter(sheet_id__in=sheet_ids).values("sheet_id", "date").annotate(h=Sum("hours"))
    )
    for row in rows.order_by():
        totals[row["sheet_id"]][row["date"]] = row["h"]
    return totals


class ApprovalsView(LoginRequiredMixin, View):
    """Weeks with lines waiting for the user's decision, each with the person's week."""

    def get(self, request):
        waiting = TimeEntry.objects.filter(approvable_q(scope_for(request.user)), status=Status.SUBMITTED)
        sheets = (
            Timesheet.objects.filter(pk__in=waiting.values("sheet_id"))
            .select_related("user", "office")
            .order_by("week_start", "user__display_name", "pk")
        )
        page = Paginator(sheets, 20).get_page(request.GET.get("page"))
        ids = [sheet.pk for sheet in page.object_list]
        entries = defaultdict(list)
        for entry in waiting.filter(sheet_id__in=ids).select_related("engagement"):
            entries[entry.sheet_id].append(entry)
        totals = _day_totals(ids)
        cards = []
        for sheet in page.object_list:
            week_grid = grid.build(sheet.week_start, entries[sheet.pk])
            week_days = [totals[sheet.pk].get(day, Decimal(0)) for day in week_grid.days]
            cards.append(
                {
                    "sheet": sheet,
                    "grid": week_grid,
                    "lines": {row.line for row in week_grid.rows},
                    "week_days": week_days,
                    "week_total": sum(week_days),
                }
            )
        return render(
            request,
            "timesheets/approvals.html",
            {"cards": cards, "page_obj": page, "paginator": page.paginator, "reason_form": ReasonForm()},
        )

    def post(self, request):
        """Bulk: approve every line the user may decide in the chosen weeks."""
        ids = [int(pk) for pk in request.POST.getlist("sheet") if pk.isdigit()]
        sheets = Timesheet.objects.restrict(request.user, VIEW).filter(pk__in=ids)
        done, refused_ = services.approve_many(request.user, list(sheets))
        if done:
            messages.success(request, _("Approved %(n)d weeks.") % {"n": len(done)})
        for pk, reason in refused_.items():
            messages.error(request, _("Week %(pk)d not approved: %(reason)s") % {"pk": pk, "reason": reason})
        if not ids:
            messages.info(request, _("Choose the weeks to approve."))
        return redirect("timesheets:approvals")


class DecideView(LoginRequiredMixin, View):
    """Approve or reject a week (all the user's lines) or one engagement line of it."""

    def post(self, request, pk):
        sheet = get_restricted_object(request, Timesheet.objects.all(), VIEW, pk=pk)
        decision = request.POST.get("decision")
        line = request.POST.get("line") or None
        lines = [line] if line else None
        try:
            if decision == "approve":
                services.approve(request.user, sheet, lines)
                messages.success(request, _("Approved."))
            elif decision == "reject":
                services.reject(request.user, sheet, request.POST.get("reason", ""), lines)
                messages.success(request, _("Rejected; the person has been asked to correct the week."))
            else:
                messages.error(request, _("Unknown decision."))
        except PermissionDenied as error:
            return refused(request, error)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        return _back(request, sheet.get_absolute_url())


class ReopenView(LoginRequiredMixin, View):
    def post(self, request, pk):
        sheet = get_restricted_object(request, Timesheet.objects.all(), VIEW, pk=pk)
        try:
            services.reopen(request.user, sheet, request.POST.get("reason", ""))
        except PermissionDenied as error:
            return refused(request, error)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The week is open again for changes."))
        return redirect(sheet.get_absolute_url())


class SheetDetailView(LoginRequiredMixin, View):
    def get(self, request, pk):
        sheet = get_restricted_object(
            request, Timesheet.objects.select_related("user", "office"), VIEW, pk=pk
        )
        visible = TimeEntry.objects.restrict(request.user, VIEW).filter(sheet=sheet)
        week_grid = grid.build(sheet.week_start, visible.select_related("engagement", "grade", "approved_by"))
        decidable = visible.filter(approvable_q(scope_for(request.user)), status=Status.SUBMITTED)
        decidable_lines = set(decidable.values_list("engagement_id", flat=True))
        return render(
            request,
            "timesheets/sheet_detail.html",
            {
                "object": sheet,
                "grid": week_grid,
                "own": sheet.user_id == request.user.pk,
                "decidable_lines": {services.line_key(pk) for pk in decidable_lines},
                "may_reopen": services.may_reopen(request.user, sheet),
                "reason_form": ReasonForm(),
                "events": sheet.events.select_related("actor", "engagement"),
                "changes": changes_for(request.user, sheet)[:20],
            },
        )
