"""The acceptance tab: questionnaire, approvals by level, independence declarations, conflict check."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from cpahub.core.views import apply_validation_error, get_restricted_object
from cpahub.engagements import forms
from cpahub.engagements.choices import AcceptanceStatus, ApprovalLevel, Status
from cpahub.engagements.models import IndependenceDeclaration
from cpahub.engagements.services import acceptance as service
from cpahub.engagements.services import conflicts, independence
from cpahub.engagements.services.roles import current_team
from cpahub.engagements.views.common import ACCEPTANCE_BADGES, RISK_BADGES, EngagementView, render_tab


def ladder(acceptance) -> list[dict]:
    """The levels this submission needs, each with its decision so far."""
    decided = {a.level: a for a in service.round_approvals(acceptance)} if acceptance.round else {}
    awaited = service.next_level(acceptance)
    return [
        {
            "level": level,
            "label": ApprovalLevel(level).label,
            "approval": decided.get(level),
            "awaited": level == awaited,
        }
        for level in service.required_levels(acceptance)
    ]


def declarations(user, engagement) -> list[dict]:
    found = {
        d.user_id: d
        for d in IndependenceDeclaration.objects.filter(engagement=engagement).select_related(
            "safeguard_approved_by"
        )
    }
    rows, seen = [], set()
    for member in current_team(engagement).select_related("user").order_by("role", "pk"):
        if member.user_id in seen:
            continue
        seen.add(member.user_id)
        declaration = found.get(member.user_id)
        rows.append(
            {
                "user": member.user,
                "role": member.get_role_display(),
                "declaration": declaration,
                "may_approve": bool(
                    declaration
                    and not declaration.cleared
                    and declaration.safeguards
                    and independence.may_approve_safeguards(user, declaration)
                ),
            }
        )
    return rows


class AcceptanceView(EngagementView):
    template = "engagements/tab_acceptance.html"

    def context(self, form=None, decision_form=None, declaration_form=None) -> dict:
        user, e = self.request.user, self.engagement
        acceptance = service.ensure_acceptance(e)
        editable = (
            acceptance.status in service.EDITABLE
            and e.status == Status.PROPOSED
            and service.may_prepare(user, acceptance)
        )
        if editable and form is None:
            form = forms.AcceptanceForm(acceptance=acceptance)
        own = IndependenceDeclaration.objects.filter(engagement=e, user=user).first()
        on_team = current_team(e).filter(user_id=user.pk).exists()
        if declaration_form is None and on_team and not e.closed:
            initial = {"independent": "1" if own is None or own.independent else "0"}
            if own is not None:
                initial.update(threats=own.threats, safeguards=own.safeguards)
            declaration_form = forms.DeclarationForm(initial=initial)
        may_decide = (
            acceptance.status == AcceptanceStatus.SUBMITTED
            and service.why_not_approver(user, acceptance) is None
        )
        return {
            "acceptance": acceptance,
            "acceptance_badge": ACCEPTANCE_BADGES.get(acceptance.status, ""),
            "risk_badge": RISK_BADGES.get(acceptance.risk_level, "text-bg-light"),
            "answers": acceptance.answers.select_related("question", "option").order_by("question__position"),
            "form": form if editable else None,
            "ladder": ladder(acceptance),
            "history": acceptance.approvals.exclude(round=acceptance.round)
            .select_related("user")
            .order_by("-round", "pk"),
            "may_decide": may_decide,
            "decision_form": decision_form or (forms.DecisionForm() if may_decide else None),
            "wait_reason": None if may_decide else service.why_not_approver(user, acceptance),
            "blacklisted": service.blacklist_hit(e),
            "declarations": declarations(user, e),
            "own_declaration": own,
            "declaration_form": declaration_form,
            "outstanding": independence.outstanding(e),
            "conflicts": conflicts.check(user, e),
        }

    def get(self, request, pk):
        return render_tab(request, self.engagement, "acceptance", self.template, self.context())

    def handle(self, request, form, key: str, run, done: str):
        """Run `run(cleaned data)` for a valid form and go back to the tab, or show the tab with the
        form (as `key`) and its errors."""
        if form.is_valid():
            try:
                run(form.cleaned_data)
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(request, done)
                return redirect("engagements:acceptance", pk=self.engagement.pk)
        return render_tab(
            request, self.engagement, "acceptance", self.template, self.context(**{key: form}), status=400
        )

    def post(self, request, pk):
        acceptance = service.ensure_acceptance(self.engagement)
        form = forms.AcceptanceForm(request.POST, acceptance=acceptance)
        if form.is_valid():
            try:
                service.save_answers(
                    request.user,
                    acceptance,
                    answers=form.answers(),
                    conclusion=form.cleaned_data["conclusion"],
                )
                if request.POST.get("submit"):
                    service.submit(request.user, acceptance)
                    messages.success(request, _("Submitted for approval."))
                else:
                    messages.success(request, _("Saved."))
                return redirect("engagements:acceptance", pk=pk)
            except ValidationError as error:
                apply_validation_error(form, error)
        return render_tab(
            request, self.engagement, "acceptance", self.template, self.context(form=form), status=400
        )


class DecideView(AcceptanceView):
    def post(self, request, pk):
        acceptance = service.ensure_acceptance(self.engagement)
        return self.handle(
            request,
            forms.DecisionForm(request.POST),
            "decision_form",
            lambda data: service.decide(request.user, acceptance, **data),
            _("Your decision is recorded."),
        )


class DeclareView(AcceptanceView):
    def post(self, request, pk):
        return self.handle(
            request,
            forms.DeclarationForm(request.POST),
            "declaration_form",
            lambda data: independence.declare(request.user, self.engagement, **data),
            _("Your declaration is recorded."),
        )


class ApproveSafeguardsView(AcceptanceView):
    def post(self, request, pk, declaration):
        found = get_restricted_object(
            request, IndependenceDeclaration.objects.filter(engagement=self.engagement), pk=declaration
        )
        try:
            independence.approve_safeguards(request.user, found)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("The safeguards are approved."))
        return redirect("engagements:acceptance", pk=pk)
