"""Moving an engagement along its pipeline, and the reviews tab with its three sign-offs."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from cpahub.core.views import apply_validation_error
from cpahub.engagements import forms
from cpahub.engagements.choices import ReviewLevel
from cpahub.engagements.services import lifecycle, reviews
from cpahub.engagements.views.common import EngagementView, render_tab


class TransitionView(EngagementView):
    """GET: the step with its form (comment, dates); POST: take it through the lifecycle service."""

    template = "engagements/transition.html"

    def step(self, name):
        step = lifecycle.STEPS.get(name)
        if step is None:
            raise Http404
        return step

    def page(self, request, name, form, status=200):
        step = self.step(name)
        extra = {
            "step": step,
            "step_name": name,
            "form": form,
            "refusal": lifecycle.refusal(request.user, self.engagement, name),
        }
        return render_tab(request, self.engagement, "overview", self.template, extra, status=status)

    def get(self, request, pk, name):
        return self.page(request, name, forms.TransitionForm(step=name))

    def post(self, request, pk, name):
        self.step(name)
        form = forms.TransitionForm(request.POST, step=name)
        if form.is_valid():
            try:
                lifecycle.transition(request.user, self.engagement, name, **form.cleaned_data)
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                self.engagement.refresh_from_db()
                messages.success(
                    request,
                    _("The engagement is now: %(status)s.")
                    % {"status": self.engagement.get_status_display()},
                )
                return redirect(self.engagement.get_absolute_url())
        return self.page(request, name, form, status=400)


class ReviewsView(EngagementView):
    template = "engagements/tab_reviews.html"

    def context(self, form=None) -> dict:
        user, e = self.request.user, self.engagement
        signed = {s.level: s for s in reviews.signoffs(e)}
        awaited = reviews.next_level(e)
        reason = reviews.why_not_signer(user, e) if awaited else None
        return {
            "levels": [
                {"level": level, "label": label, "signoff": signed.get(level), "awaited": level == awaited}
                for level, label in ReviewLevel.choices
            ],
            "may_sign": awaited is not None and reason is None,
            "sign_reason": reason,
            "form": form or forms.CommentForm(),
            "superseded": e.signoffs.filter(superseded=True).select_related("user").order_by("-created"),
        }

    def get(self, request, pk):
        return render_tab(request, self.engagement, "reviews", self.template, self.context())


class SignOffView(ReviewsView):
    def post(self, request, pk):
        form = forms.CommentForm(request.POST)
        if form.is_valid():
            try:
                signoff = reviews.sign_off(request.user, self.engagement, **form.cleaned_data)
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(request, _("Signed: %(level)s.") % {"level": signoff.get_level_display()})
                return redirect("engagements:reviews", pk=pk)
        return render_tab(request, self.engagement, "reviews", self.template, self.context(form), status=400)
