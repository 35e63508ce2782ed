from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from cpahub.accounts.choices import City, OrgStatus
from cpahub.core.forms import BootstrapFormMixin, DateInput
from cpahub.core.permissions import VIEW
from cpahub.core.validators import clean_credit_code, validate_credit_code
from cpahub.portal.public import PUBLIC
from cpahub.registry.choices import Authority, LegalForm, PenaltyKind
from cpahub.registry.models import Firm

KIND_FIRM = "firm"
KIND_CPA = "cpa"


class SearchForm(BootstrapFormMixin, forms.Form):
    """The public search box. Bad values fall back to the defaults instead of failing the page."""

    q = forms.CharField(label=_("Search"), max_length=100, required=False)
    kind = forms.ChoiceField(
        label=_("Look for"),
        choices=[(KIND_FIRM, _("Firms")), (KIND_CPA, _("CPAs"))],
        required=False,
        widget=forms.RadioSelect,
    )
    city = forms.ChoiceField(label=_("City"), choices=[("", _("All cities")), *City.choices], required=False)

    def __init__(self, data=None, *args, **kwargs):
        if data is not None and data.get("kind") not in (KIND_FIRM, KIND_CPA):
            data = data.copy()
            data["kind"] = KIND_FIRM
        kwargs.setdefault("initial", {"kind": KIND_FIRM})
        super().__init__(data, *args, **kwargs)
        self.fields["q"].widget.attrs.update(
            {
                "type": "search",
                "placeholder": _("Name, credit code, licence or certificate number"),
                "autocomplete": "off",
            }
        )
        self.fields["kind"].widget.attrs["class"] = "btn-check"

    def values(self) -> dict:
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        return {
            "q": data.get("q", ""),
            "kind": data.get("kind") or KIND_FIRM,
            "city": data.get("city", ""),
        }


class PenaltyFilterForm(BootstrapFormMixin, forms.Form):
    q = forms.CharField(label=_("Firm, CPA or document number"), max_length=100, required=False)
    year = forms.TypedChoiceField(label=_("Year"), coerce=int, empty_value=None, required=False)
    authority = forms.ChoiceField(
        label=_("Authority"), choices=[("", _("All authorities")), *Authority.choices], required=False
    )
    kind = forms.ChoiceField(
        label=_("Type"), choices=[("", _("All types")), *PenaltyKind.choices], required=False
    )

    def __init__(self, *args, years=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [("", _("All years")), *((y, y) for y in years)]
        self.fields["q"].widget.attrs["type"] = "search"

    def values(self) -> dict:
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        return {key: data.get(key) or "" for key in ("q", "year", "authority", "kind")}


class ApplyForm(BootstrapFormMixin, forms.Form):
    """A firm's application to join the platform (SEC-2). The service re-checks everything."""

    name = forms.CharField(label=_("Firm name"), max_length=200)
    credit_code = forms.CharField(
        label=_("Unified social credit code"),
        max_length=18,
        min_length=1,
        validators=[validate_credit_code],
        help_text=_("18 characters, as on the business licence."),
    )
    licence_no = forms.CharField(label=_("Practice licence number"), max_length=30)
    legal_form = forms.ChoiceField(label=_("Legal form"), choices=[("", "---------"), *LegalForm.choices])
    city = forms.ChoiceField(label=_("City"), choices=[("", "---------"), *City.choices])
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    founded = forms.DateField(label=_("Founding date"), required=False, widget=DateInput)
    head_office_credit_code = forms.CharField(
        label=_("Head office credit code (branches only)"),
        max_length=18,
        required=False,
        help_text=_("A branch gives the credit code of its head office, which must already be registered."),
    )
    contact_name = forms.CharField(label=_("Administrator name"), max_length=60)
    contact_email = forms.EmailField(label=_("Administrator email"))
    contact_phone = forms.CharField(label=_("Administrator mobile phone"), max_length=20)

    CONTACT_FIELDS = ("contact_name", "contact_email", "contact_phone")

    def firm_fields(self):
        return [self[name] for name in self.fields if name not in self.CONTACT_FIELDS]

    def contact_fields(self):
        return [self[name] for name in self.CONTACT_FIELDS]

    def add_error(self, field, error):
        super().add_error(field, error)
        for name in self._errors:
            css = self.fields[name].widget.attrs.get("class", "") if name in self.fields else "is-invalid"
            if "is-invalid" not in css:
                self.fields[name].widget.attrs["class"] = f"{css} is-invalid".strip()

    def clean_credit_code(self):
        return clean_credit_code(self.cleaned_data["credit_code"])

    def clean_head_office_credit_code(self):
        code = self.cleaned_data.get("head_office_credit_code", "").strip()
        if not code:
            return None
        code = clean_credit_code(code)
        parent = (
            Firm.objects.restrict(PUBLIC, VIEW)
            .filter(
                organisation__credit_code=code,
                organisation__status=OrgStatus.ACTIVE,
                organisation__parent__isnull=True,
            )
            .first()
        )
        if parent is None:
            raise ValidationError(_("No active head office with this credit code is registered."))
        return parent

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        data["parent"] = data.pop("head_office_credit_code")
        return data
