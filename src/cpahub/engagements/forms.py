"""Forms of the engagements app. Querysets are cut to what the user may pick (their firm's)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from cpahub.accounts.choices import Role
from cpahub.accounts.models import Organisation, User
from cpahub.core.forms import BootstrapFormMixin, DateInput
from cpahub.core.permissions import VIEW, scope_for
from cpahub.engagements.choices import Decision, TeamRole
from cpahub.engagements.models import BudgetLine, Engagement, Milestone, TeamMember
from cpahub.engagements.services.roles import firm_staff, people_with
from cpahub.practice.access import MANAGERS, firms_for
from cpahub.practice.models import Grade

ENGAGEMENT_FIELDS = [
    "office",
    "code",
    "name",
    "type",
    "period_start",
    "period_end",
    "partner",
    "manager",
    "planned_start",
    "report_due",
    "contracted_fee",
    "notes",
]
RADIO = forms.RadioSelect(attrs={"class": "form-check-input"})
DATES = {
    "period_start": DateInput,
    "period_end": DateInput,
    "planned_start": DateInput,
    "report_due": DateInput,
}


def offices_of(firms):
    return Organisation.objects.filter(pk__in=firms.values("pk")) | Organisation.objects.filter(
        parent__in=firms.values("pk")
    )


def people_of(firms, *roles):
    users = User.objects.none()
    for firm in firms:
        users = users | people_with(firm, *roles)
    return users.distinct().order_by("display_name", "username")


class EngagementForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = Engagement
        fields = ["client", *ENGAGEMENT_FIELDS]
        widgets = {**DATES, "notes": forms.Textarea(attrs={"rows": 3})}
        help_texts = {
            "code": _("Leave empty for the next free code (e.g. 2025-0001)."),
            "name": _("Leave empty to name it after the client, year and type."),
        }

    def __init__(self, *args, user, firm=None, **kwargs):
        super().__init__(*args, **kwargs)
        firms = (
            Organisation.objects.filter(pk=firm.pk)
            if firm is not None
            else firms_for(scope_for(user), MANAGERS)
        )
        if "client" in self.fields:
            from cpahub.clients.models import Client

            self.fields["client"].queryset = Client.objects.restrict(user, VIEW).filter(firm__in=firms)
        self.fields["office"].queryset = offices_of(firms)
        self.fields["office"].required = "client" not in self.fields
        self.fields["office"].help_text = (
            _("Leave empty for the client's office.") if "client" in self.fields else ""
        )
        self.fields["code"].required = False
        self.fields["name"].required = False
        self.fields["partner"].queryset = people_of(firms, Role.PARTNER)
        self.fields["manager"].queryset = people_of(firms, Role.MANAGER, Role.PARTNER)

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("client", None)
        if data.get("office") is None:
            data.pop("office", None)
        return data


class EngagementEditForm(EngagementForm):
    class Meta(EngagementForm.Meta):
        fields = ENGAGEMENT_FIELDS
        help_texts = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].required = True
        self.fields["name"].required = True


class ContinuanceForm(BootstrapFormMixin, forms.Form):
    code = forms.CharField(
        label=_("Engagement code"),
        max_length=30,
        required=False,
        help_text=_("Leave empty for the next free code (e.g. 2025-0001)."),
    )
    name = forms.CharField(
        label=_("Name"),
        max_length=200,
        required=False,
        help_text=_("Leave empty to name it after the client, year and type."),
    )
    period_start = forms.DateField(label=_("Period start"), widget=DateInput)
    period_end = forms.DateField(label=_("Period end"), widget=DateInput)


class TransitionForm(BootstrapFormMixin, forms.Form):
    comment = forms.CharField(label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    report_date = forms.DateField(label=_("Report date"), required=False, widget=DateInput)
    archived_on = forms.DateField(label=_("Archived on"), required=False, widget=DateInput)

    def __init__(self, *args, step: str, **kwargs):
        super().__init__(*args, **kwargs)
        if step != "issue":
            del self.fields["report_date"]
        if step != "archive":
            del self.fields["archived_on"]


class DecisionForm(BootstrapFormMixin, forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), choices=Decision.choices, widget=RADIO)
    comment = forms.CharField(label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class CommentForm(BootstrapFormMixin, forms.Form):
    comment = forms.CharField(label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class DeclarationForm(BootstrapFormMixin, forms.Form):
    independent = forms.TypedChoiceField(
        label=_("My declaration"),
        choices=[
            (
                "1",
                _("I am independent of the client: no interest, relationship or circumstance threatens it."),
            ),
            ("0", _("I declare the threats below.")),
        ],
        coerce=lambda v: v == "1",
        widget=RADIO,
    )
    threats = forms.CharField(label=_("Threats"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    safeguards = forms.CharField(
        label=_("Safeguards"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class AcceptanceForm(BootstrapFormMixin, forms.Form):
    """One radio group (and a note) per question of the acceptance's questionnaire."""

    conclusion = forms.CharField(
        label=_("Conclusion of the preparer"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, acceptance, **kwargs):
        super().__init__(*args, **kwargs)
        answers = {a.question_id: a for a in acceptance.answers.all()}
        self.questions = list(acceptance.template.questions.prefetch_related("options"))
        for question in self.questions:
            answer = answers.get(question.pk)
            self.fields[f"q{question.pk}"] = forms.TypedChoiceField(
                label=question.text,
                help_text=question.guidance,
                choices=[(o.pk, f"{o.label} ({o.score})") for o in question.options.all()],
                coerce=int,
                required=False,
                widget=RADIO,
                initial=answer.option_id if answer else None,
            )
            self.fields[f"n{question.pk}"] = forms.CharField(
                label=_("Note"), max_length=500, required=False, initial=answer.note if answer else ""
            )
        self.fields["conclusion"].initial = acceptance.conclusion
        self.order_fields([*(f for q in self.questions for f in (f"q{q.pk}", f"n{q.pk}")), "conclusion"])

    def rows(self):
        return [(q, self[f"q{q.pk}"], self[f"n{q.pk}"]) for q in self.questions]

    def answers(self) -> dict[int, tuple[int, str]]:
        return {
            q.pk: (self.cleaned_data[f"q{q.pk}"], self.cleaned_data[f"n{q.pk}"])
            for q in self.questions
            if self.cleaned_data.get(f"q{q.pk}")
        }


class TeamMemberForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = TeamMember
        fields = ["user", "role", "grade", "joined", "left"]
        widgets = {"joined": DateInput, "left": DateInput}

    def __init__(self, *args, engagement, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = firm_staff(engagement.firm)
        self.fields["grade"].queryset = Grade.objects.filter(firm_id=engagement.firm_id, active=True)
        self.fields["grade"].help_text = _("Empty: the person's grade in the firm.")
        self.fields["role"].initial = TeamRole.STAFF


class BudgetLineForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = BudgetLine
        fields = ["grade", "hours"]

    def __init__(self, *args, engagement, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grade"].queryset = Grade.objects.filter(firm_id=engagement.firm_id, active=True)


class MilestoneForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = Milestone
        fields = ["name", "due", "done_on"]
        widgets = {"due": DateInput, "done_on": DateInput}

    def __init__(self, *args, engagement=None, **kwargs):
        super().__init__(*args, **kwargs)


class TemplateSettingsForm(BootstrapFormMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    medium_from = forms.IntegerField(label=_("Medium risk from score"), min_value=1)
    high_from = forms.IntegerField(label=_("High risk from score"), min_value=1)

    def clean(self):
        data = super().clean()
        if data.get("medium_from") and data.get("high_from") and data["medium_from"] >= data["high_from"]:
            self.add_error("high_from", _("The high-risk score must be above the medium-risk score."))
        return data


OPTION_SLOTS = 6


class QuestionForm(BootstrapFormMixin, forms.Form):
    """A question and up to six answers, each with its score (empty answers are dropped)."""

    text = forms.CharField(label=_("Question"), max_length=300)
    guidance = forms.CharField(label=_("Guidance"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    position = forms.IntegerField(label=_("Position"), min_value=0, initial=0)

    def __init__(self, *args, question=None, **kwargs):
        super().__init__(*args, **kwargs)
        options = list(question.options.all()) if question is not None else []
        if question is not None and not self.is_bound:
            self.initial.update(text=question.text, guidance=question.guidance, position=question.position)
        for index in range(max(OPTION_SLOTS, len(options) + 1)):
            option = options[index] if index < len(options) else None
            # Added after BootstrapFormMixin ran: the widgets carry their classes themselves.
            self.fields[f"label_{index}"] = forms.CharField(
                label=_("Answer"),
                max_length=200,
                required=False,
                initial=option.label if option else "",
                widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}),
            )
            self.fields[f"score_{index}"] = forms.IntegerField(
                label=_("Score"),
                min_value=0,
                max_value=100,
                required=False,
                initial=option.score if option else None,
                widget=forms.NumberInput(attrs={"class": "form-control form-control-sm"}),
            )
            self.fields[f"high_{index}"] = forms.BooleanField(
                label=_("Always high risk"),
                required=False,
                initial=option.forces_high if option else False,
                widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
            )
        self.slots = range(max(OPTION_SLOTS, len(options) + 1))

    def option_rows(self):
        return [(self[f"label_{i}"], self[f"score_{i}"], self[f"high_{i}"]) for i in self.slots]

    def options(self) -> list[tuple[str, int, bool]]:
        data = self.cleaned_data
        return [
            (data[f"label_{i}"], data.get(f"score_{i}") or 0, data.get(f"high_{i}", False))
            for i in self.slots
            if data.get(f"label_{i}")
        ]
