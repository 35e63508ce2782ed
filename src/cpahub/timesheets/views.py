"""My timesheet: the weekly grid (a day list on phones), its lines, and submission."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View

from cpahub.core.views import log_denied
from cpahub.timesheets import grid, services
from cpahub.timesheets.forms import RowForm
from cpahub.timesheets.models import TimeEntry


def parse_week(text: str | None) -> datetime.date:
    if not text:
        return services.monday(datetime.date.today())
    try:
        return services.monday(datetime.date.fromisoformat(text))
    except ValueError:
        raise Http404 from None


def refused(request, error):
    """A refusal the person can read (403), and a line in the security log."""
    log_denied(request, str(error))
    return render(request, "timesheets/refused.html", {"message": error}, status=403)


class WeekMixin(LoginRequiredMixin):
    def setup_week(self, request, week):
        self.week = parse_week(week)
        try:
            self.profile = services.profile_for(request.user)
        except PermissionDenied as error:
            log_denied(request, "timesheet without staff profile")
            raise PermissionDenied(error) from None
        self.sheet = services.sheet_for(request.user, self.week, firm_id=self.profile.firm_id)

    def week_url(self, **query):
        url = reverse("timesheets:week", args=[self.week.isoformat()])
        params = "&".join(f"{k}={v}" for k, v in query.items() if v)
        return f"{url}?{params}" if params else url

    def context(self, request, typed=None, errors=None):
        sheet = self.sheet
        entries, lines = [], []
        if sheet is not None:
            entries = list(TimeEntry.objects.filter(sheet=sheet).select_related("engagement"))
            lines = [(row.engagement, row.task) for row in sheet.rows.select_related("engagement")]
        editable = sheet is None or sheet.editable
        week_grid = grid.build(self.week, entries, lines, editable=editable, typed=typed, errors=errors)
        day = _day(request, self.week)
        engagements = services.loggable_engagements(request.user, self.profile.firm_id)
        return {
            "week": self.week,
            "sheet": sheet,
            "grid": week_grid,
            "day": day,
            "day_index": (day - self.week).days,
            "view": request.GET.get("view") or request.POST.get("view") or "",
            "previous": self.week - datetime.timedelta(days=7),
            "next": self.week + datetime.timedelta(days=7),
            "this_week": services.monday(datetime.date.today()),
            "this_day": datetime.date.today(),
            "row_form": RowForm(engagements=engagements) if editable else None,
            "errors": errors or {},
            "events": sheet.events.select_related("actor") if sheet else [],
        }


def _day(request, week) -> datetime.date:
    text = request.GET.get("day") or request.POST.get("day")
    try:
        day = datetime.date.fromisoformat(text) if text else datetime.date.today()
    except ValueError:
        day = week
    return day if week <= day <= week + datetime.timedelta(days=6) else week


class WeekView(WeekMixin, View):
    def get(self, request, week=None):
        self.setup_week(request, week or request.GET.get("week"))
        return render(request, "timesheets/week.html", self.context(request))


class WeekSaveView(WeekMixin, View):
    """Save the posted cells. HTMX posts one form on every change and gets the totals back."""

    def post(self, request, week):
        self.setup_week(request, week)
        cells = grid.cells_from_post(request.POST)
        errors = {}
        try:
            self.sheet = services.save_cells(request.user, self.week, cells)
        except PermissionDenied as error:
            return refused(request, error)
        except ValidationError as error:
            errors = error.message_dict if hasattr(error, "error_dict") else {"__all__": error.messages}
        if request.htmx:
            context = self.context(request, errors=errors)
            context["error_list"] = _error_list(context["grid"], errors)
            return render(request, "timesheets/includes/week_totals.html", context)
        if errors:
            typed = {k: v for k, v in request.POST.items() if grid.FIELD.match(k)}
            context = self.context(request, typed=typed, errors=errors)
            context["error_list"] = _error_list(context["grid"], errors)
            return render(request, "timesheets/week.html", context, status=400)
        messages.success(request, _("Saved."))
        return redirect(self.week_url(day=request.POST.get("day"), view=request.POST.get("view")))


def _error_list(week_grid, errors) -> list[str]:
    """Errors as sentences that say which cell they belong to."""
    where = {
        cell.name: f"{cell.day:%m-%d} · {row.engagement.code if row.engagement else '—'} {row.task_label}"
        for row in week_grid.rows
        for cell in row.cells
    }
    found = []
    for name, messages_ in errors.items():
        prefix = where.get(name, "")
        found.extend(f"{prefix}: {m}" if prefix else m for m in messages_)
    return found


class RowAddView(WeekMixin, View):
    def post(self, request, week):
        self.setup_week(request, week)
        engagements = services.loggable_engagements(request.user, self.profile.firm_id)
        form = RowForm(request.POST, engagements=engagements)
        if form.is_valid():
            engagement = form.cleaned_data["engagement"]
            try:
                services.add_row(
                    request.user, self.week, engagement.pk if engagement else None, form.cleaned_data["task"]
                )
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
        else:
            messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
        return redirect(self.week_url(view=request.POST.get("view")))


class RowRemoveView(WeekMixin, View):
    """Remove a line; the button carries "<engagement id or 0>_<task>"."""

    def post(self, request, week):
        self.setup_week(request, week)
        engagement, _sep, task = request.POST.get("remove", "").partition("_")
        if self.sheet is None or not engagement.isdigit():
            raise Http404
        try:
            services.remove_row(request.user, self.sheet, int(engagement) or None, task)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        return redirect(self.week_url(view=request.POST.get("view")))


class CopyWeekView(WeekMixin, View):
    def post(self, request, week):
        self.setup_week(request, week)
        try:
            added = services.copy_last_week(request.user, self.week)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            if added:
                messages.success(request, _("Copied %(n)d lines from last week.") % {"n": added})
            else:
                messages.info(request, _("Last week has no lines to copy."))
        return redirect(self.week_url())


class SubmitWeekView(WeekMixin, View):
    def post(self, request, week):
        self.setup_week(request, week)
        if self.sheet is None:
            messages.error(request, _("There are no hours to submit in this week."))
            return redirect(self.week_url())
        try:
            services.submit(request.user, self.sheet)
        except PermissionDenied as error:
            return refused(request, error)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Week submitted for approval."))
        return redirect(self.week_url())
