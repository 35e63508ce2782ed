from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cpahub.billing.choices import LineKind
from cpahub.billing.models import (
    Allocation,
    CreditNote,
    FeeAgreement,
    FeeMilestone,
    Invoice,
    InvoiceLine,
    RateOverride,
    Receipt,
)
from cpahub.billing.queries import finance_clients, finance_engagements
from cpahub.clients.models import Client
from cpahub.core.permissions import CHANGE
from cpahub.engagements.models import Engagement, Milestone
from cpahub.practice.models import Grade

MONEY = {"max_digits": 14, "decimal_places": 2}


def _user(serializer):
    request = serializer.context.get("request")
    return getattr(request, "user", None)


@extend_schema_field(OpenApiTypes.INT)
class FinanceEngagementField(serializers.PrimaryKeyRelatedField):
    """An engagement whose billing the caller keeps; others do not exist for them."""

    def get_queryset(self):
        user = _user(self.parent) if self.parent else None
        return finance_engagements(user) if user else Engagement.objects.none()


class RateSerializer(serializers.ModelSerializer):
    grade = serializers.PrimaryKeyRelatedField(queryset=Grade.objects.all())

    class Meta:
        model = RateOverride
        fields = ["id", "grade", "rate"]


class FeeMilestoneSerializer(serializers.ModelSerializer):
    milestone = serializers.PrimaryKeyRelatedField(
        queryset=Milestone.objects.all(), required=False, allow_null=True
    )

    class Meta:
        model = FeeMilestone
        fields = ["id", "name", "amount", "due", "milestone"]


class FeeAgreementSerializer(serializers.ModelSerializer):
    engagement = FinanceEngagementField()
    contracted_fee = serializers.DecimalField(read_only=True, allow_null=True, **MONEY)
    rates = RateSerializer(many=True, read_only=True)
    milestones = FeeMilestoneSerializer(many=True, read_only=True)

    class Meta:
        model = FeeAgreement
        fields = [
            "id",
            "engagement",
            "basis",
            "amount",
            "tax_rate",
            "payment_days",
            "letter_number",
            "signed_on",
            "notes",
            "contracted_fee",
            "rates",
            "milestones",
            "created",
            "updated",
        ]
        read_only_fields = ["created", "updated"]
        validators = []  # one agreement per engagement: the service says so in words

    def get_fields(self):
        fields = super().get_fields()
        if self.instance is not None and not isinstance(self.instance, list | tuple):
            fields["engagement"].read_only = True
        return fields


class LineSerializer(serializers.ModelSerializer):
    engagement = FinanceEngagementField()
    amount = serializers.DecimalField(required=False, allow_null=True, **MONEY)
    fee_milestone = serializers.PrimaryKeyRelatedField(
        queryset=FeeMilestone.objects.all(), required=False, allow_null=True
    )

    class Meta:
        model = InvoiceLine
        fields = ["id", "engagement", "kind", "description", "amount", "net", "tax", "gross", "fee_milestone"]
        read_only_fields = ["net", "tax", "gross"]
        extra_kwargs = {"description": {"required": False, "allow_blank": True}}


class CreditNoteSerializer(serializers.ModelSerializer):
    engagement = FinanceEngagementField()
    amount = serializers.DecimalField(write_only=True, help_text="Amount including VAT.", **MONEY)

    class Meta:
        model = CreditNote
        fields = [
            "id",
            "number",
            "engagement",
            "kind",
            "date",
            "amount",
            "net",
            "tax",
            "gross",
            "reason",
            "e_invoice_number",
        ]
        read_only_fields = ["number", "net", "tax", "gross"]
        extra_kwargs = {"date": {"required": False}, "e_invoice_number": {"validators": []}}


class InvoiceSerializer(serializers.ModelSerializer):
    lines = LineSerializer(many=True, read_only=True)
    credit_notes = CreditNoteSerializer(many=True, read_only=True)
    allocated = serializers.DecimalField(read_only=True, **MONEY)
    credited = serializers.DecimalField(read_only=True, **MONEY)
    open_amount = serializers.DecimalField(read_only=True, **MONEY)

    class Meta:
        model = Invoice
        fields = [
            "id",
            "number",
            "status",
            "firm",
            "office",
            "client",
            "issue_date",
            "due_date",
            "tax_rate",
            "prices_include_tax",
            "e_invoice_number",
            "buyer_name",
            "buyer_credit_code",
            "net_amount",
            "tax_amount",
            "gross_amount",
            "credited",
            "allocated",
            "open_amount",
            "notes",
            "cancelled_on",
            "cancel_reason",
            "lines",
            "credit_notes",
            "created",
            "updated",
        ]
        read_only_fields = [
            name
            for name in fields
            if name not in ("issue_date", "due_date", "tax_rate", "prices_include_tax", "notes")
        ]


class NewLineSerializer(serializers.Serializer):
    engagement = FinanceEngagementField()
    kind = serializers.ChoiceField(choices=LineKind.choices, default=LineKind.FEE)
    description = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    amount = serializers.DecimalField(required=False, allow_null=True, **MONEY)
    fee_milestone = serializers.PrimaryKeyRelatedField(
        queryset=FeeMilestone.objects.all(), required=False, allow_null=True
    )


class InvoiceCreateSerializer(serializers.Serializer):
    """A draft invoice to the engagement's client, with its first lines."""

    engagement = FinanceEngagementField()
    issue_date = serializers.DateField(required=False, allow_null=True)
    due_date = serializers.DateField(required=False, allow_null=True)
    tax_rate = serializers.DecimalField(max_digits=5, decimal_places=4, required=False, allow_null=True)
    prices_include_tax = serializers.BooleanField(default=False)
    notes = serializers.CharField(required=False, allow_blank=True, default="")
    lines = NewLineSerializer(many=True, required=False)


class IssueSerializer(serializers.Serializer):
    issue_date = serializers.DateField(required=False, allow_null=True)
    due_date = serializers.DateField(required=False, allow_null=True)
    e_invoice_number = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")


class ENumberSerializer(serializers.Serializer):
    e_invoice_number = serializers.CharField(max_length=30, allow_blank=True)


class CancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300)
    on = serializers.DateField(required=False, allow_null=True)


class ReceiptSerializer(serializers.ModelSerializer):
    client = serializers.PrimaryKeyRelatedField(
        queryset=Client.objects.none(), required=False, allow_null=True
    )
    unallocated = serializers.DecimalField(read_only=True, **MONEY)

    class Meta:
        model = Receipt
        fields = [
            "id",
            "firm",
            "office",
            "client",
            "payer",
            "date",
            "amount",
            "method",
            "bank_reference",
            "notes",
            "unallocated",
            "created",
            "updated",
        ]
        read_only_fields = ["firm", "created", "updated"]
        extra_kwargs = {"payer": {"required": False, "allow_blank": True}, "office": {"required": False}}

    def get_fields(self):
        from cpahub.billing.services.receipts import finance_offices

        fields = super().get_fields()
        user = _user(self)
        if user is not None:
            fields["client"].queryset = finance_clients(user)
            fields["office"].queryset = finance_offices(user)
        if self.instance is not None and not isinstance(self.instance, list | tuple):
            fields["client"].read_only = fields["office"].read_only = True
        return fields


class AllocationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Allocation
        fields = ["id", "receipt", "invoice", "amount", "allocated_by", "created"]
        read_only_fields = ["allocated_by", "created"]

    def get_fields(self):
        fields = super().get_fields()
        user = _user(self)
        if user is not None:
            fields["receipt"].queryset = Receipt.objects.restrict(user, CHANGE)
            fields["invoice"].queryset = Invoice.objects.restrict(user, CHANGE)
        return fields


# Report rows, for the schema.
class WipRowSerializer(serializers.Serializer):
    key = serializers.IntegerField(allow_null=True)
    label = serializers.CharField()
    engagements = serializers.IntegerField()
    hours = serializers.DecimalField(**MONEY)
    time_value = serializers.DecimalField(**MONEY)
    above_cap = serializers.DecimalField(**MONEY)
    expenses = serializers.DecimalField(**MONEY)
    billed = serializers.DecimalField(**MONEY)
    write_on = serializers.DecimalField(**MONEY)
    write_off = serializers.DecimalField(**MONEY)
    wip = serializers.DecimalField(**MONEY)
    ages = serializers.ListField(
        child=serializers.DecimalField(**MONEY), help_text="0–30, 31–90, 91–180, 181–365, >365 days"
    )


class WipReportSerializer(serializers.Serializer):
    as_of = serializers.DateField()
    rows = WipRowSerializer(many=True)
    total = WipRowSerializer()


class AgeingRowSerializer(serializers.Serializer):
    key = serializers.IntegerField(allow_null=True, help_text="Client id")
    label = serializers.CharField()
    ages = serializers.ListField(
        child=serializers.DecimalField(**MONEY), help_text="0–30, 31–90, 91–180, 181–365, >365 days past due"
    )
    balance = serializers.DecimalField(**MONEY)
    unallocated = serializers.DecimalField(**MONEY)


class AgeingReportSerializer(serializers.Serializer):
    as_of = serializers.DateField()
    rows = AgeingRowSerializer(many=True)
    total = AgeingRowSerializer()


class RealisationRowSerializer(serializers.Serializer):
    key = serializers.IntegerField(allow_null=True)
    label = serializers.CharField()
    hours = serializers.DecimalField(**MONEY)
    standard = serializers.DecimalField(**MONEY)
    billed = serializers.DecimalField(**MONEY)
    collected = serializers.DecimalField(**MONEY)
    billing_rate = serializers.DecimalField(max_digits=10, decimal_places=4, allow_null=True)
    collection_rate = serializers.DecimalField(max_digits=10, decimal_places=4, allow_null=True)


class RealisationReportSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    rows = RealisationRowSerializer(many=True)
    total = RealisationRowSerializer()
