from django import forms
from django.utils.translation import gettext_lazy as _

from cpahub.billing.choices import AdjustmentKind, LineKind
from cpahub.billing.models import Expense, FeeAgreement, FeeMilestone, Invoice, Receipt
from cpahub.core.forms import BootstrapFormMixin, DateInput
from cpahub.engagements.models import Engagement, Milestone
from cpahub.practice.models import Grade

MONEY = {"max_digits": 14, "decimal_places": 2}


class EngagementChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.code} {obj.name}"


class AgreementForm(BootstrapFormMixin, forms.ModelForm):
    engagement = EngagementChoiceField(label=_("Engagement"), queryset=Engagement.objects.none())

    class Meta:
        model = FeeAgreement
        fields = [
            "engagement",
            "basis",
            "amount",
            "tax_rate",
            "payment_days",
            "letter_number",
            "signed_on",
            "notes",
        ]
        widgets = {"signed_on": DateInput(), "notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, engagements=None, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["engagement"]
        else:
            self.fields["engagement"].queryset = engagements


class RateForm(BootstrapFormMixin, forms.Form):
    grade = forms.ModelChoiceField(label=_("Grade"), queryset=Grade.objects.none())
    rate = forms.DecimalField(label=_("Charge-out rate per hour"), min_value=0, **MONEY)

    def __init__(self, *args, firm_id=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grade"].queryset = Grade.objects.filter(firm_id=firm_id, active=True)


class MilestoneForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = FeeMilestone
        fields = ["name", "amount", "due", "milestone"]
        widgets = {"due": DateInput()}

    def __init__(self, *args, engagement=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["milestone"].queryset = Milestone.objects.filter(engagement=engagement)


class ExpenseForm(BootstrapFormMixin, forms.ModelForm):
    engagement = EngagementChoiceField(label=_("Engagement"), queryset=Engagement.objects.none())

    class Meta:
        model = Expense
        fields = ["engagement", "date", "category", "description", "amount", "billable", "incurred_by"]
        widgets = {"date": DateInput()}

    def __init__(self, *args, engagements=None, people=None, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["engagement"]
        else:
            self.fields["engagement"].queryset = engagements
        self.fields["incurred_by"].queryset = people


class DecisionForm(BootstrapFormMixin, forms.Form):
    note = forms.CharField(
        label=_("Note"), max_length=300, required=False, help_text=_("Required when rejecting.")
    )


class AdjustmentForm(BootstrapFormMixin, forms.Form):
    engagement = EngagementChoiceField(label=_("Engagement"), queryset=Engagement.objects.none())
    kind = forms.ChoiceField(label=_("Write-on or write-off"), choices=AdjustmentKind.choices)
    amount = forms.DecimalField(label=_("Amount"), min_value=0, **MONEY)
    date = forms.DateField(label=_("Date"), widget=DateInput())
    reason = forms.CharField(label=_("Reason"), max_length=300)

    def __init__(self, *args, engagements=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["engagement"].queryset = engagements


class InvoiceCreateForm(BootstrapFormMixin, forms.Form):
    engagement = EngagementChoiceField(
        label=_("Engagement"),
        queryset=Engagement.objects.none(),
        help_text=_("The invoice goes to this engagement's client; more lines can follow."),
    )
    description = forms.CharField(
        label=_("First line"), max_length=200, required=False, initial=_("Audit fee")
    )
    amount = forms.DecimalField(label=_("Amount"), min_value=0, required=False, **MONEY)
    kind = forms.ChoiceField(label=_("Type of charge"), choices=LineKind.choices, initial=LineKind.FEE)
    prices_include_tax = forms.BooleanField(label=_("Amounts include VAT"), required=False)
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, engagements=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["engagement"].queryset = engagements


class InvoiceDraftForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = Invoice
        fields = ["issue_date", "due_date", "tax_rate", "prices_include_tax", "notes"]
        widgets = {
            "issue_date": DateInput(),
            "due_date": DateInput(),
            "notes": forms.Textarea(attrs={"rows": 2}),
        }


class LineForm(BootstrapFormMixin, forms.Form):
    engagement = EngagementChoiceField(label=_("Engagement"), queryset=Engagement.objects.none())
    kind = forms.ChoiceField(label=_("Type of charge"), choices=LineKind.choices)
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
    amount = forms.DecimalField(label=_("Amount"), min_value=0, required=False, **MONEY)
    fee_milestone = forms.ModelChoiceField(
        label=_("Fee milestone"), queryset=FeeMilestone.objects.none(), required=False
    )

    def __init__(self, *args, engagements=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["engagement"].queryset = engagements
        self.fields["fee_milestone"].queryset = FeeMilestone.objects.filter(
            agreement__engagement__in=engagements
        ).select_related("agreement__engagement")
        self.fields["fee_milestone"].label_from_instance = lambda m: (
            f"{m.agreement.engagement.code} · {m.name} · {m.amount}"
        )

    def clean(self):
        data = super().clean()
        if data.get("amount") is None and not data.get("fee_milestone"):
            self.add_error("amount", _("Enter an amount or choose a fee milestone."))
        return data


class IssueForm(BootstrapFormMixin, forms.Form):
    issue_date = forms.DateField(label=_("Issue date"), widget=DateInput())
    due_date = forms.DateField(
        label=_("Due date"), widget=DateInput(), required=False, help_text=_("Empty: by the payment terms.")
    )
    e_invoice_number = forms.CharField(
        label=_("Electronic invoice number"),
        max_length=30,
        required=False,
        help_text=_("电子发票号码, 20 digits; can also be recorded later."),
    )


class EInvoiceForm(BootstrapFormMixin, forms.Form):
    e_invoice_number = forms.CharField(label=_("Electronic invoice number"), max_length=30, required=False)


class CancelForm(BootstrapFormMixin, forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300)
    on = forms.DateField(label=_("Cancelled on"), widget=DateInput())


class CreditNoteForm(BootstrapFormMixin, forms.Form):
    engagement = EngagementChoiceField(label=_("Engagement"), queryset=Engagement.objects.none())
    kind = forms.ChoiceField(label=_("Type of charge"), choices=LineKind.choices)
    amount = forms.DecimalField(label=_("Amount including VAT"), min_value=0, **MONEY)
    date = forms.DateField(label=_("Date"), widget=DateInput())
    reason = forms.CharField(label=_("Reason"), max_length=300)
    e_invoice_number = forms.CharField(label=_("Electronic invoice number"), max_length=30, required=False)

    def __init__(self, *args, engagements=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["engagement"].queryset = engagements


class ReceiptForm(BootstrapFormMixin, forms.ModelForm):
    office = forms.ModelChoiceField(
        label=_("Office"),
        queryset=None,
        required=False,
        help_text=_("Only for money from someone who is not a client."),
    )

    class Meta:
        model = Receipt
        fields = ["client", "office", "payer", "date", "amount", "method", "bank_reference", "notes"]
        widgets = {"date": DateInput()}

    def __init__(self, *args, clients=None, offices=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["payer"].required = False
        if self.instance.pk:
            del self.fields["client"], self.fields["office"]
        else:
            self.fields["client"].queryset = clients
            self.fields["office"].queryset = offices

    def clean(self):
        data = super().clean()
        if not self.instance.pk and not data.get("client") and not data.get("office"):
            self.add_error("client", _("Choose the client, or the office for money from someone else."))
        if not data.get("client") and not data.get("payer"):
            self.add_error("payer", _("Who paid?"))
        return data


class AllocationForm(BootstrapFormMixin, forms.Form):
    invoice = forms.ModelChoiceField(label=_("Invoice"), queryset=Invoice.objects.none())
    amount = forms.DecimalField(label=_("Amount"), min_value=0, **MONEY)

    def __init__(self, *args, invoices=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["invoice"].queryset = invoices
        self.fields["invoice"].label_from_instance = lambda i: (
            f"{i.number} · {i.buyer_name} · {i.gross_amount}"
        )
