from django import forms
from django.utils.translation import gettext_lazy as _

from cpahub.accounts.choices import City, OrgStatus
from cpahub.core.forms import BootstrapFormMixin, DateInput
from cpahub.core.validators import validate_credit_code, validate_resident_id
from cpahub.registry.choices import CPAStatus, LegalForm
from cpahub.registry.models import CPA, Firm, IndustryCase, Penalty


class FirmForm(BootstrapFormMixin, forms.Form):
    """Edits a firm together with its organisation record (name, code, city live there)."""

    name = forms.CharField(label=_("Name"), max_length=200)
    short_name = forms.CharField(label=_("Short name"), max_length=60, required=False)
    credit_code = forms.CharField(
        label=_("Unified social credit code"), max_length=18, validators=[validate_credit_code]
    )
    city = forms.ChoiceField(label=_("City"), choices=City.choices)
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    phone = forms.CharField(label=_("Telephone"), max_length=40, required=False)
    firm_no = forms.CharField(label=_("Firm number"), max_length=20, required=False)
    licence_no = forms.CharField(label=_("Practice licence number"), max_length=30)
    legal_form = forms.ChoiceField(label=_("Legal form"), choices=LegalForm.choices)
    founded = forms.DateField(label=_("Founding date"), required=False, widget=DateInput)
    securities_qualified = forms.BooleanField(label=_("Securities business qualification"), required=False)
    chief_partner = forms.CharField(label=_("Chief partner"), max_length=60, required=False)
    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https")
    email = forms.EmailField(label=_("Email"), required=False)
    status = forms.ChoiceField(label=_("Status"), choices=OrgStatus.choices)

    # Fields only the association may change; a firm administrator sees them read-only.
    ASSOCIATION_ONLY = (
        "credit_code",
        "licence_no",
        "firm_no",
        "securities_qualified",
        "status",
        "city",
        "legal_form",
    )

    def __init__(self, *args, instance: Firm | None = None, association: bool = True, **kwargs):
        if instance is not None and "initial" not in kwargs:
            org = instance.organisation
            kwargs["initial"] = {
                **{
                    k: getattr(org, k)
                    for k in ("name", "short_name", "credit_code", "city", "address", "phone", "status")
                },
                **{
                    k: getattr(instance, k)
                    for k in (
                        "firm_no",
                        "licence_no",
                        "legal_form",
                        "founded",
                        "securities_qualified",
                        "chief_partner",
                        "website",
                        "email",
                    )
                },
            }
        super().__init__(*args, **kwargs)
        self.instance = instance
        if not association:
            for name in self.ASSOCIATION_ONLY:
                self.fields[name].disabled = True
                self.fields[name].help_text = _("Changed by the CPA association only.")

    def clean_firm_no(self):
        return self.cleaned_data["firm_no"] or None


class CPAForm(BootstrapFormMixin, forms.ModelForm):
    id_number = forms.CharField(
        label=_("Resident ID number"),
        required=False,
        validators=[validate_resident_id],
        help_text=_("Stored encrypted. Leave empty to keep the recorded number."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    class Meta:
        model = CPA
        fields = ["name", "gender", "birth_date", "id_number", "qualified_on", "is_partner", "phone", "email"]
        widgets = {"birth_date": DateInput, "qualified_on": DateInput}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial["id_number"] = ""  # never send the stored number back to the browser

    def clean_id_number(self):
        value = self.cleaned_data["id_number"].strip().upper()
        return value or (self.instance.id_number if self.instance.pk else "")


class NewCPAForm(CPAForm):
    class Meta(CPAForm.Meta):
        fields = ["certificate_no", "firm", "status", *CPAForm.Meta.fields]

    def __init__(self, *args, firms=None, **kwargs):
        super().__init__(*args, **kwargs)
        if firms is not None:
            self.fields["firm"].queryset = firms


class MoveCPAForm(BootstrapFormMixin, forms.Form):
    to_firm = forms.ModelChoiceField(
        label=_("New firm"),
        queryset=Firm.objects.none(),
        required=False,
        help_text=_("Leave empty when the CPA leaves practice at a firm."),
    )
    date = forms.DateField(label=_("Effective date"), widget=DateInput)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args, firms=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_firm"].queryset = firms if firms is not None else Firm.objects.none()


class CPAStatusForm(BootstrapFormMixin, forms.Form):
    status = forms.ChoiceField(label=_("New status"), choices=CPAStatus.choices)
    date = forms.DateField(label=_("Effective date"), widget=DateInput)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class PenaltyForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = Penalty
        fields = [
            "subject_kind",
            "firm",
            "cpa",
            "authority",
            "decided_on",
            "kind",
            "document_no",
            "text",
            "published",
        ]
        widgets = {"decided_on": DateInput}


class IndustryCaseForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = IndustryCase
        fields = ["title", "category", "summary", "body", "penalty", "published", "published_on"]
        widgets = {"published_on": DateInput}


class RejectApplicationForm(BootstrapFormMixin, forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300, widget=forms.Textarea(attrs={"rows": 3}))
