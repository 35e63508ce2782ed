from django import forms
from django.utils.translation import gettext_lazy as _

from cpahub.accounts.models import Organisation
from cpahub.clients import industry
from cpahub.clients.models import Client, ClientContact
from cpahub.clients.services import client_firms, compact_credit_code, offices_for
from cpahub.core.forms import BootstrapFormMixin
from cpahub.core.permissions import VIEW


class ClientForm(BootstrapFormMixin, forms.ModelForm):
    """Create or edit a client. The firm is the user's (a select only for people of several firms)."""

    firm = forms.ModelChoiceField(label=_("Firm"), queryset=None, required=False)
    industry = forms.ChoiceField(label=_("Industry (GB/T 4754)"), required=False)
    confirm_similar = forms.BooleanField(
        label=_("I have looked at the similar names: this is a different client."), required=False
    )

    class Meta:
        model = Client
        fields = [
            "office",
            "name",
            "short_name",
            "credit_code",
            "status",
            "industry",
            "ownership",
            "listed",
            "exchange",
            "stock_code",
            "registered_capital",
            "revenue",
            "total_assets",
            "employees",
            "city",
            "address",
            "legal_representative",
            "parent",
            "risk_rating",
            "notes",
        ]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}
        help_texts = {
            "registered_capital": _("In yuan."),
            "revenue": _("Last financial year, in yuan."),
            "total_assets": _("Last year end, in yuan."),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        firms = client_firms(user)
        if self.instance.pk is not None:
            self.client_firm = self.instance.firm
        elif firms.count() == 1:
            self.client_firm = firms.first()
        else:
            self.client_firm = None  # chosen in the form
        if self.client_firm is not None:
            del self.fields["firm"]
            offices = offices_for(user, self.client_firm)
        else:
            self.fields["firm"].queryset = firms
            ids = [pk for firm in firms for pk in offices_for(user, firm).values_list("pk", flat=True)]
            offices = Organisation.objects.filter(pk__in=ids).order_by("name")
        self.fields["office"].queryset = offices
        if self.instance.pk is None and offices:
            self.fields["office"].initial = offices[0]  # the head office when allowed, else a branch
        parents = Client.objects.restrict(user, VIEW).filter(
            firm__in=[self.client_firm] if self.client_firm else firms
        )
        if self.instance.pk is not None:
            parents = parents.exclude(pk=self.instance.pk)
        self.fields["parent"].queryset = parents.only("pk", "name").order_by("name")
        self.fields["industry"].choices = [
            ("", "—"),
            *industry.grouped_division_choices(extra=self.instance.industry),
        ]
        self.fields["name"].widget.attrs["autocomplete"] = "off"
        self.fields["credit_code"].widget.attrs.update({"autocomplete": "off", "spellcheck": "false"})

    def clean_credit_code(self):
        return compact_credit_code(self.cleaned_data.get("credit_code", ""))

    def clean(self):
        cleaned = super().clean()
        firm = self.client_firm or cleaned.get("firm")
        office = cleaned.get("office")
        if firm is not None and office is not None and office.pk != firm.pk and office.parent_id != firm.pk:
            self.add_error("office", _("The office must be the firm itself or one of its branches."))
        return cleaned

    def _post_clean(self):
        # The firm must be known before the model's own checks (office, parent) run.
        firm = self.client_firm or self.cleaned_data.get("firm")
        if firm is not None and self.instance.pk is None:
            self.instance.firm = firm
        super()._post_clean()

    def validate_unique(self):
        """A duplicate credit code is refused by the service, with a link to the client that has it."""

    def service_data(self) -> dict:
        data = {k: v for k, v in self.cleaned_data.items() if k not in ("firm", "confirm_similar")}
        data["firm"] = self.client_firm or self.cleaned_data["firm"]
        data["industry"] = data.get("industry") or ""
        return data


class ContactForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = ClientContact
        fields = ["name", "title", "phone", "email", "primary"]


class BlacklistForm(BootstrapFormMixin, forms.Form):
    firm = forms.ModelChoiceField(label=_("Firm"), queryset=None)
    name = forms.CharField(label=_("Name"), max_length=200)
    credit_code = forms.CharField(label=_("Unified social credit code"), max_length=30, required=False)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, firms, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["firm"].queryset = firms
        if firms.count() == 1:
            self.fields["firm"].initial = firms.first()
            self.fields["firm"].widget = forms.HiddenInput()


class DeactivateForm(BootstrapFormMixin, forms.Form):
    reason = forms.CharField(
        label=_("Why may the firm take this party on again?"), widget=forms.Textarea(attrs={"rows": 2})
    )


class ImportForm(BootstrapFormMixin, forms.Form):
    firm = forms.ModelChoiceField(label=_("Firm"), queryset=None)
    file = forms.FileField(
        label=_("File"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.xlsx,text/csv"}),
    )

    def __init__(self, *args, firms, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["firm"].queryset = firms
        if firms.count() == 1:
            self.fields["firm"].initial = firms.first()
            self.fields["firm"].widget = forms.HiddenInput()
        from cpahub.registry.importing import readers

        # The limit itself is enforced while the upload arrives (core.uploads), and again by the reader.
        self.fields["file"].help_text = _(
            "CSV (UTF-8 or GB18030/GBK; comma, tab, semicolon or pipe) or Excel .xlsx; at most %(mb)s MB."
        ) % {"mb": readers.megabytes(readers.max_upload_bytes())}
