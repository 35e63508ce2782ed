from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from cpahub.accounts.choices import City, OrgStatus
from cpahub.registry.models import CPA, CPAEvent, Firm, FirmApplication, IndustryCase, Penalty


class FirmSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="organisation.name", max_length=200)
    short_name = serializers.CharField(
        source="organisation.short_name", max_length=60, required=False, allow_blank=True
    )
    credit_code = serializers.CharField(source="organisation.credit_code", max_length=18)
    city = serializers.ChoiceField(source="organisation.city", choices=City.choices)
    address = serializers.CharField(
        source="organisation.address", max_length=300, required=False, allow_blank=True
    )
    phone = serializers.CharField(
        source="organisation.phone", max_length=40, required=False, allow_blank=True
    )
    status = serializers.ChoiceField(source="organisation.status", choices=OrgStatus.choices, required=False)
    head_office = serializers.PrimaryKeyRelatedField(source="organisation.parent_id", read_only=True)
    cpa_count = serializers.IntegerField(
        read_only=True, help_text=_("Practising CPAs, derived from the CPA register.")
    )
    id = serializers.IntegerField(source="pk", read_only=True)

    class Meta:
        model = Firm
        fields = [
            "id",
            "firm_no",
            "name",
            "short_name",
            "credit_code",
            "city",
            "address",
            "phone",
            "status",
            "licence_no",
            "legal_form",
            "founded",
            "securities_qualified",
            "chief_partner",
            "website",
            "email",
            "head_office",
            "cpa_count",
            "created",
            "updated",
        ]
        read_only_fields = ["created", "updated"]
        extra_kwargs = {"firm_no": {"validators": []}, "licence_no": {"validators": []}}

    def service_data(self) -> dict:
        data = dict(self.validated_data)
        data.update(data.pop("organisation", {}))
        return data


class CPASerializer(serializers.ModelSerializer):
    id_number = serializers.CharField(write_only=True, required=False, allow_blank=True, max_length=18)
    id_number_masked = serializers.CharField(source="masked_id_number", read_only=True)
    firm_name = serializers.CharField(source="firm.organisation.name", read_only=True, default=None)

    class Meta:
        model = CPA
        fields = [
            "id",
            "certificate_no",
            "name",
            "gender",
            "birth_date",
            "id_number",
            "id_number_masked",
            "qualified_on",
            "firm",
            "firm_name",
            "status",
            "is_partner",
            "phone",
            "email",
            "created",
            "updated",
        ]
        read_only_fields = ["created", "updated"]
        extra_kwargs = {"certificate_no": {"validators": []}}


class CPAUpdateSerializer(CPASerializer):
    class Meta(CPASerializer.Meta):
        read_only_fields = ["certificate_no", "firm", "status", "created", "updated"]


class CPAEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = CPAEvent
        fields = [
            "id",
            "date",
            "kind",
            "from_firm",
            "to_firm",
            "from_status",
            "to_status",
            "note",
            "recorded",
        ]


class MoveSerializer(serializers.Serializer):
    to_firm = serializers.PrimaryKeyRelatedField(queryset=Firm.objects.all(), allow_null=True)
    date = serializers.DateField()
    note = serializers.CharField(required=False, allow_blank=True, max_length=300, default="")


class StatusChangeSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=CPA._meta.get_field("status").choices)
    date = serializers.DateField()
    note = serializers.CharField(required=False, allow_blank=True, max_length=300, default="")


class PenaltySerializer(serializers.ModelSerializer):
    class Meta:
        model = Penalty
        fields = [
            "id",
            "subject_kind",
            "firm",
            "cpa",
            "authority",
            "decided_on",
            "kind",
            "document_no",
            "text",
            "published",
            "created",
            "updated",
        ]
        read_only_fields = ["created", "updated"]
        extra_kwargs = {"document_no": {"validators": []}}


class IndustryCaseSerializer(serializers.ModelSerializer):
    class Meta:
        model = IndustryCase
        fields = [
            "id",
            "title",
            "category",
            "summary",
            "body",
            "penalty",
            "published",
            "published_on",
            "created",
            "updated",
        ]
        read_only_fields = ["created", "updated"]


class FirmApplicationSerializer(serializers.ModelSerializer):
    class Meta:
        model = FirmApplication
        fields = [
            "id",
            "name",
            "credit_code",
            "licence_no",
            "legal_form",
            "city",
            "address",
            "founded",
            "parent",
            "contact_name",
            "contact_email",
            "contact_phone",
            "status",
            "decided_at",
            "decision_note",
            "firm",
            "created",
        ]
        read_only_fields = fields
