"""Team, budget and milestones: tables edited in place with HTMX, row by row.

Each table is a "section" with its own URL. Editing a row swaps the row for a form row; saving
returns the whole section (so totals and order stay right), or the form row again with its errors.
Without HTMX the same URLs redirect back to the tab.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Case, IntegerField, Value, When
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cpahub.core.permissions import CHANGE, can
from cpahub.core.views import apply_validation_error
from cpahub.engagements import forms
from cpahub.engagements.choices import TeamRole
from cpahub.engagements.models import BudgetLine, Milestone, TeamMember
from cpahub.engagements.services import team
from cpahub.engagements.views.common import EngagementView, render_tab

ROLE_ORDER = Case(
    *(When(role=role, then=Value(rank)) for rank, role in enumerate(TeamRole.values)),
    output_field=IntegerField(),
)


@dataclass(frozen=True)
class Section:
    name: str
    title: str
    model: type
    form_class: type
    tab: str
    columns: tuple

    def rows(self, engagement):
        if self.model is TeamMember:
            return engagement.team.select_related("user", "grade").order_by(ROLE_ORDER, "pk")
        if self.model is BudgetLine:
            return engagement.budget.select_related("grade").order_by("grade__rank")
        return engagement.milestones.order_by("due", "pk")

    def save(self, actor, engagement, obj, data):
        if self.model is TeamMember:
            return team.save_member(actor, engagement, member=obj, **data)
        if self.model is BudgetLine:
            return team.save_budget_line(actor, engagement, line=obj, **data)
        return team.save_milestone(actor, engagement, milestone=obj, **data)

    def delete(self, actor, obj):
        if self.model is TeamMember:
            return team.remove_member(actor, obj)
        if self.model is BudgetLine:
            return team.delete_budget_line(actor, obj)
        return team.delete_milestone(actor, obj)


SECTIONS = {
    "team": Section(
        "team",
        _("Team"),
        TeamMember,
        forms.TeamMemberForm,
        "team",
        (_("Person"), _("Role"), _("Grade"), _("From"), _("Until")),
    ),
    "budget": Section(
        "budget",
        _("Budget hours by grade"),
        BudgetLine,
        forms.BudgetLineForm,
        "team",
        (_("Grade"), _("Hours")),
    ),
    "milestones": Section(
        "milestones",
        _("Milestones"),
        Milestone,
        forms.MilestoneForm,
        "milestones",
        (_("Milestone"), _("Due"), _("Done on")),
    ),
}


def section_context(request, engagement, section: Section) -> dict:
    editable = can(request.user, CHANGE, engagement) and not engagement.closed
    context = {
        "object": engagement,
        "section": section,
        "rows": section.rows(engagement),
        "can_edit": editable,
        "add_form": section.form_class(engagement=engagement, prefix="new") if editable else None,
        "today": timezone.localdate(),
    }
    if section.model is BudgetLine:
        context["budget_rows"] = [
            (line, line.hours * line.grade.charge_rate, team_hours(engagement, line.grade_id))
            for line in context["rows"]
        ]
        context["total_hours"] = team.budget_total(engagement)
        context["total_value"] = sum(value for _line, value, _people in context["budget_rows"])
    return context


def team_hours(engagement, grade_id) -> int:
    return engagement.team.filter(grade_id=grade_id).count()


def render_section(request, engagement, section: Section, errors=()):
    context = {**section_context(request, engagement, section), "errors": errors}
    response = render(request, f"engagements/includes/section_{section.name}.html", context)
    response["HX-Retarget"] = f"#section-{section.name}"
    response["HX-Reswap"] = "outerHTML"
    return response


def render_form_row(request, engagement, section: Section, form, row=None):
    return render(
        request,
        "engagements/includes/form_row.html",
        {"object": engagement, "section": section, "form": form, "row": row},
    )


class TeamTabView(EngagementView):
    def get(self, request, pk):
        e = self.engagement
        return render_tab(
            request,
            e,
            "team",
            "engagements/tab_team.html",
            {
                "team": section_context(request, e, SECTIONS["team"]),
                "budget": section_context(request, e, SECTIONS["budget"]),
            },
        )


class MilestonesTabView(EngagementView):
    def get(self, request, pk):
        e = self.engagement
        return render_tab(
            request,
            e,
            "milestones",
            "engagements/tab_milestones.html",
            {"milestones": section_context(request, e, SECTIONS["milestones"])},
        )


class SectionView(EngagementView):
    """GET: the section (cancel an edit). Subclasses add, edit and delete rows."""

    section_name = ""

    @property
    def section(self) -> Section:
        return SECTIONS[self.section_name]

    def row(self, row_pk):
        return get_object_or_404(self.section.model, engagement=self.engagement, pk=row_pk)

    def done(self, request, message=None):
        if request.htmx:
            return render_section(request, self.engagement, self.section)
        if message:
            messages.success(request, message)
        return redirect(reverse(f"engagements:{self.section.tab}", args=[self.engagement.pk]))

    def failed(self, request, form, row=None):
        if request.htmx:
            return render_form_row(request, self.engagement, self.section, form, row)
        for field, errors in form.errors.items():
            for error in errors:
                messages.error(
                    request, f"{form.fields[field].label}: {error}" if field in form.fields else error
                )
        return redirect(reverse(f"engagements:{self.section.tab}", args=[self.engagement.pk]))

    def get(self, request, pk):
        return render_section(request, self.engagement, self.section)


class RowAddView(SectionView):
    def post(self, request, pk):
        form = self.section.form_class(request.POST, engagement=self.engagement, prefix="new")
        if form.is_valid():
            try:
                self.section.save(request.user, self.engagement, None, form.cleaned_data)
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                return self.done(request, _("Added."))
        return self.failed(request, form)


class RowEditView(SectionView):
    def get(self, request, pk, row):
        obj = self.row(row)
        if not can(request.user, CHANGE, self.engagement):
            raise Http404
        form = self.section.form_class(instance=obj, engagement=self.engagement, prefix=f"r{obj.pk}")
        return render_form_row(request, self.engagement, self.section, form, obj)

    def post(self, request, pk, row):
        obj = self.row(row)
        form = self.section.form_class(
            request.POST, instance=obj, engagement=self.engagement, prefix=f"r{obj.pk}"
        )
        if form.is_valid():
            try:
                self.section.save(request.user, self.engagement, self.row(row), form.cleaned_data)
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                return self.done(request, _("Saved."))
        return self.failed(request, form, obj)


class RowDeleteView(SectionView):
    def post(self, request, pk, row):
        try:
            self.section.delete(request.user, self.row(row))
        except ValidationError as error:
            if not request.htmx:
                for message in error.messages:
                    messages.error(request, message)
                return self.done(request)
            return render_section(request, self.engagement, self.section, error.messages)
        return self.done(request, _("Removed."))


class MilestoneDoneView(SectionView):
    section_name = "milestones"

    def post(self, request, pk, row):
        milestone = self.row(row)
        try:
            team.save_milestone(
                request.user,
                self.engagement,
                milestone=milestone,
                name=milestone.name,
                due=milestone.due,
                done_on=timezone.localdate(),
            )
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        return self.done(request, _("Saved."))
