from django import forms
from django.utils.translation import gettext_lazy as _

from cpahub.core.forms import BootstrapFormMixin, DateInput
from cpahub.timesheets.choices import NEEDS_ENGAGEMENT, NO_ENGAGEMENT, Task
from cpahub.timesheets.periods import PERIOD_KINDS
from cpahub.timesheets.reports import GROUPINGS

BY_LABELS = {"person": _("Person"), "office": _("Office"), "grade": _("Grade")}


class RowForm(BootstrapFormMixin, forms.Form):
    """Add a line (engagement + task) to the week."""

    engagement = forms.ModelChoiceField(
        label=_("Engagement"), queryset=None, required=False, empty_label=_("— outside engagements —")
    )
    task = forms.ChoiceField(label=_("Task"), choices=Task.choices)

    def __init__(self, *args, engagements, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["engagement"].queryset = engagements
        self.fields["engagement"].label_from_instance = lambda e: f"{e.code} {e.name}"

    def clean(self):
        data = super().clean()
        task, engagement = data.get("task"), data.get("engagement")
        if task in NEEDS_ENGAGEMENT and engagement is None:
            self.add_error("engagement", _("Chargeable work needs an engagement."))
        if task in NO_ENGAGEMENT and engagement is not None:
            self.add_error("engagement", _("Leave is not booked to an engagement."))
        return data


class ReasonForm(BootstrapFormMixin, forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


class UtilisationForm(BootstrapFormMixin, forms.Form):
    period = forms.ChoiceField(label=_("Period"), choices=PERIOD_KINDS, initial="month")
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100, required=False)
    month = forms.IntegerField(label=_("Month"), min_value=1, max_value=12, required=False)
    quarter = forms.IntegerField(label=_("Quarter"), min_value=1, max_value=4, required=False)
    start = forms.DateField(label=_("From"), required=False, widget=DateInput)
    end = forms.DateField(label=_("To"), required=False, widget=DateInput)
    by = forms.ChoiceField(label=_("By"), choices=[(g, BY_LABELS[g]) for g in GROUPINGS], initial="person")
    # a code, not a list: a firm has thousands of engagements
    engagement = forms.CharField(
        label=_("Engagement team"),
        required=False,
        max_length=50,
        widget=forms.TextInput(attrs={"placeholder": _("engagement code; empty for everyone")}),
    )
    submitted = forms.BooleanField(label=_("Count submitted time too"), required=False)

    def __init__(self, *args, engagements, **kwargs):
        super().__init__(*args, **kwargs)
        self.engagements = engagements

    def clean_engagement(self):
        code = self.cleaned_data["engagement"].strip()
        if not code:
            return None
        found = self.engagements.filter(code__iexact=code).first()
        if found is None:
            raise forms.ValidationError(_("No engagement with this code that you can see."))
        return found
