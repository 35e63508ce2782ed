from decimal import Decimal

from django import forms
from django.core.validators import MaxValueValidator
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cpahub.core.forms import BootstrapFormMixin, DateInput
from cpahub.practice.models import FirmSettings, Grade, StaffProfile


class FirmSettingsForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = FirmSettings
        fields = [
            "report_prefix",
            "report_number_pattern",
            "archive_days",
            "hours_per_day",
            "branches_see_firm",
            "letterhead_name",
            "letterhead_address",
            "letterhead_phone",
            "bank_name",
            "bank_account",
        ]


class GradeForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = Grade
        fields = ["code", "name", "rank", "charge_rate", "cost_rate", "active"]


class StaffProfileForm(BootstrapFormMixin, forms.ModelForm):
    """A person's profile in a firm: offices of that firm, its active grades (and the one kept)."""

    class Meta:
        model = StaffProfile
        fields = ["office", "grade", "employee_no", "capacity", "quality_partner", "joined", "left"]
        widgets = {"joined": DateInput(), "left": DateInput()}

    def __init__(self, *args, firm, offices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["office"].queryset = offices.order_by("parent_id", "name")
        kept = self.instance.grade_id if self.instance.pk else None
        self.fields["grade"].queryset = Grade.objects.filter(Q(active=True) | Q(pk=kept), firm=firm).order_by(
            "rank", "code"
        )
        capacity = self.fields["capacity"]
        capacity.validators.append(MaxValueValidator(Decimal("1")))
        capacity.widget.attrs.update(min="0", max="1", step="0.05")
        capacity.help_text = _("1 = full time, 0.5 = half time. Sets the hours available in utilisation.")
        self.fields["left"].help_text = _(
            "After this day the person records no more time here. A quality partner with a leaving date no "
            "longer approves."
        )

    def clean(self):
        data = super().clean()
        joined, left = data.get("joined"), data.get("left")
        if joined and left and left < joined:
            self.add_error("left", _("The leaving date cannot be before the joining date."))
        return data


class StaffFilterForm(BootstrapFormMixin, forms.Form):
    """Filters of the staff list (GET)."""

    STATUS = (
        ("", _("Everyone")),
        ("current", _("Current")),
        ("left", _("Left")),
        ("none", _("No profile")),
    )

    q = forms.CharField(label=_("Name or employee number"), required=False)
    office = forms.ModelChoiceField(label=_("Office"), queryset=None, required=False)
    grade = forms.ModelChoiceField(label=_("Grade"), queryset=None, required=False)
    status = forms.ChoiceField(label=_("Profile status"), choices=STATUS, required=False)

    def __init__(self, *args, offices, grades, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["office"].queryset = offices.order_by("parent_id", "name")
        self.fields["grade"].queryset = grades.order_by("rank", "code")
        self.fields["office"].empty_label = _("All offices")
        self.fields["grade"].empty_label = _("All grades")
