"""Pages of the firm's practice set-up: its settings (report numbers, archive days ...) and grades."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.generic import View

from cpahub.core.permissions import CHANGE, can, scope_for
from cpahub.core.views import apply_validation_error, log_denied
from cpahub.practice import forms, services
from cpahub.practice.access import EVERYONE, firms_for
from cpahub.practice.models import FirmSettings, Grade


class FirmPage(LoginRequiredMixin, View):
    """A page about one of the user's firms; without a firm in the URL, their first firm."""

    url_name = ""

    def dispatch(self, request, *args, firm=None, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        firms = firms_for(scope_for(request.user), EVERYONE).order_by("pk")
        if firm is None:
            first = firms.first()
            if first is None:
                log_denied(request, self.url_name)
                raise PermissionDenied
            return redirect(f"practice:{self.url_name}_of", firm=first.pk)
        self.firm = firms.filter(pk=firm).first()
        if self.firm is None:
            log_denied(request, f"{self.url_name}:{firm}")
            raise Http404
        self.firms = firms
        return super().dispatch(request, *args, **kwargs)


def _previews(settings) -> list[str]:
    from cpahub.engagements.choices import REPORT_WORDS
    from cpahub.engagements.services.numbering import format_number

    year = datetime.date.today().year
    try:
        return [
            format_number(
                settings.report_number_pattern, prefix=settings.report_prefix, word=word, year=year, seq=1
            )
            for word in dict.fromkeys(REPORT_WORDS.values())
        ]
    except (KeyError, IndexError, ValueError):
        return []


class SettingsView(FirmPage):
    url_name = "settings"
    template = "practice/settings.html"

    def page(self, request, settings, form, status=200):
        return render(
            request,
            self.template,
            {
                "firm": self.firm,
                "firms": self.firms,
                "object": settings,
                "form": form,
                "editable": can(request.user, CHANGE, settings),
                "previews": _previews(settings),
            },
            status=status,
        )

    def get(self, request, **kwargs):
        settings = FirmSettings.for_firm(self.firm)
        return self.page(request, settings, forms.FirmSettingsForm(instance=settings))

    def post(self, request, **kwargs):
        settings = FirmSettings.for_firm(self.firm)
        form = forms.FirmSettingsForm(request.POST, instance=FirmSettings.for_firm(self.firm))
        if form.is_valid():
            try:
                services.update_settings(request.user, settings, **form.cleaned_data)
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(request, _("Saved."))
                return redirect("practice:settings_of", firm=self.firm.pk)
        return self.page(request, settings, form, status=400)


class GradesView(FirmPage):
    url_name = "grades"
    template = "practice/grades.html"

    def page(self, request, new_form=None, failed=None, status=200):
        grades = Grade.objects.filter(firm=self.firm).order_by("rank", "code")
        rows = [
            (
                grade,
                failed
                if failed and failed.instance.pk == grade.pk
                else forms.GradeForm(instance=grade, prefix=f"g{grade.pk}"),
            )
            for grade in grades
        ]
        return render(
            request,
            self.template,
            {
                "firm": self.firm,
                "firms": self.firms,
                "rows": rows,
                "editable": services.may_manage(request.user, self.firm),
                "new_form": new_form or forms.GradeForm(prefix="new", initial={"rank": grades.count() + 1}),
            },
            status=status,
        )

    def get(self, request, **kwargs):
        return self.page(request)

    def post(self, request, **kwargs):
        grade_pk = request.POST.get("grade")
        grade = get_object_or_404(Grade, firm=self.firm, pk=grade_pk) if grade_pk else None
        prefix = f"g{grade.pk}" if grade else "new"
        form = forms.GradeForm(request.POST, instance=grade, prefix=prefix)
        if form.is_valid():
            try:
                services.save_grade(
                    request.user,
                    self.firm,
                    Grade.objects.get(pk=grade.pk) if grade else None,
                    **form.cleaned_data,
                )
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(request, _("Saved."))
                return redirect("practice:grades_of", firm=self.firm.pk)
        if grade:
            return self.page(request, failed=form, status=400)
        return self.page(request, new_form=form, status=400)
