from django import forms

from cpahub.core.forms import BootstrapFormMixin
from cpahub.practice.models import FirmSettings, Grade


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
