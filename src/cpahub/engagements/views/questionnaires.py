"""The firm's acceptance questionnaires: one per engagement type, edited by partners."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.generic import View

from cpahub.core.permissions import CHANGE, VIEW, can, scope_for
from cpahub.core.views import apply_validation_error, get_restricted_object
from cpahub.engagements import forms
from cpahub.engagements.choices import EngagementType
from cpahub.engagements.models import QuestionnaireTemplate
from cpahub.engagements.services import questionnaires
from cpahub.practice.access import EVERYONE, firms_for


class QuestionnaireListView(LoginRequiredMixin, View):
    def get(self, request):
        firms = firms_for(scope_for(request.user), EVERYONE)
        current = {
            (t.firm_id, t.engagement_type): t
            for t in QuestionnaireTemplate.objects.restrict(request.user, VIEW).filter(current=True)
        }
        sections = [
            {
                "firm": firm,
                "rows": [
                    (value, label, current.get((firm.pk, value))) for value, label in EngagementType.choices
                ],
            }
            for firm in firms
        ]
        return render(request, "engagements/questionnaire_list.html", {"sections": sections})


class QuestionnaireOpenView(LoginRequiredMixin, View):
    """The current questionnaire of a type (the firm's default copy is made the first time)."""

    def get(self, request, firm, engagement_type):
        found = firms_for(scope_for(request.user), EVERYONE).filter(pk=firm).first()
        if found is None or engagement_type not in EngagementType.values:
            raise Http404
        return redirect(questionnaires.current_template(found, engagement_type).get_absolute_url())


class QuestionnaireDetailView(LoginRequiredMixin, View):
    template = "engagements/questionnaire_detail.html"

    def context(self, template, settings_form=None, new_form=None) -> dict:
        editable = template.current and can(self.request.user, CHANGE, template)
        return {
            "object": template,
            "questions": template.questions.prefetch_related("options"),
            "editable": editable,
            "in_use": template.acceptances.count(),
            "settings_form": settings_form
            or forms.TemplateSettingsForm(
                initial={
                    "name": template.name,
                    "medium_from": template.medium_from,
                    "high_from": template.high_from,
                }
            ),
            "new_form": new_form or forms.QuestionForm(initial={"position": template.questions.count() + 1}),
            "versions": QuestionnaireTemplate.objects.filter(
                firm_id=template.firm_id, engagement_type=template.engagement_type
            ).order_by("-version"),
        }

    def get(self, request, pk):
        template = get_restricted_object(request, QuestionnaireTemplate.objects.all(), VIEW, pk=pk)
        return render(request, self.template, self.context(template))


class _Edit(QuestionnaireDetailView):
    def template_for_change(self, request, pk):
        return get_restricted_object(request, QuestionnaireTemplate.objects.all(), CHANGE, pk=pk)

    def saved(self, request, before, after):
        if after.pk != before.pk:
            messages.info(
                request,
                _("Acceptances already used version %(old)d, so your change made version %(new)d.")
                % {"old": before.version, "new": after.version},
            )
        else:
            messages.success(request, _("Saved."))
        return redirect(after.get_absolute_url())


class QuestionnaireSettingsView(_Edit):
    def post(self, request, pk):
        template = self.template_for_change(request, pk)
        form = forms.TemplateSettingsForm(request.POST)
        if form.is_valid():
            try:
                changed = questionnaires.update_template(request.user, template, **form.cleaned_data)
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                return self.saved(request, template, changed)
        return render(request, self.template, self.context(template, settings_form=form), status=400)


class QuestionSaveView(_Edit):
    """GET (HTMX): the edit form of one question in place; POST: add (no key) or change a question."""

    def get(self, request, pk, key):
        template = self.template_for_change(request, pk)
        question = get_object_or_404(template.questions, key=key)
        return render(
            request,
            "engagements/includes/question_form.html",
            {"object": template, "question": question, "form": forms.QuestionForm(question=question)},
        )

    def post(self, request, pk, key=None):
        template = self.template_for_change(request, pk)
        question = get_object_or_404(template.questions, key=key) if key else None
        form = forms.QuestionForm(request.POST, question=question)
        if form.is_valid():
            try:
                changed, _question = questionnaires.save_question(
                    request.user,
                    template,
                    question_key=key,
                    text=form.cleaned_data["text"],
                    guidance=form.cleaned_data["guidance"],
                    position=form.cleaned_data["position"],
                    options=form.options(),
                )
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                return self.saved(request, template, changed)
        if key:
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
            return redirect(template.get_absolute_url())
        return render(request, self.template, self.context(template, new_form=form), status=400)


class QuestionDeleteView(_Edit):
    def post(self, request, pk, key):
        template = self.template_for_change(request, pk)
        get_object_or_404(template.questions, key=key)
        try:
            changed = questionnaires.delete_question(request.user, template, key)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
            return redirect(template.get_absolute_url())
        return self.saved(request, template, changed)
