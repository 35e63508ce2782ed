from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from cpahub.accounts.models import Organisation
from cpahub.clients import industry
from cpahub.clients.models import BlacklistEntry, Client, ClientContact
from cpahub.clients.services import client_firms, visible_offices
from cpahub.core.permissions import VIEW


class ContactSerializer(serializers.ModelSerializer):
    client = serializers.PrimaryKeyRelatedField(queryset=Client.objects.none())

    class Meta:
        model = ClientContact
        fields = ["id", "client", "name", "title", "phone", "email", "primary", "created", "updated"]
        read_only_fields = ["created", "updated"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["client"].queryset = Client.objects.restrict(request.user, VIEW)


class ContactUpdateSerializer(ContactSerializer):
    class Meta(ContactSerializer.Meta):
        read_only_fields = ["client", "created", "updated"]


class NestedContactSerializer(serializers.ModelSerializer):
    class Meta:
        model = ClientContact
        fields = ["id", "name", "title", "phone", "email", "primary"]
        read_only_fields = fields


class ClientSerializer(serializers.ModelSerializer):
    """A client; `firm` is needed only by people of several firms, `office` defaults to the head office."""

    firm = serializers.PrimaryKeyRelatedField(queryset=Organisation.objects.none(), required=False)
    office = serializers.PrimaryKeyRelatedField(queryset=Organisation.objects.none(), required=False)
    parent = serializers.PrimaryKeyRelatedField(
        queryset=Client.objects.none(), required=False, allow_null=True
    )
    industry = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=10,
        help_text=_(
            "GB/T 4754-2017 division (e.g. 13) or finer code (1311); C13 and C1311 are accepted too."
        ),
    )
    industry_name = serializers.SerializerMethodField()
    contacts = NestedContactSerializer(many=True, read_only=True)

    class Meta:
        model = Client
        fields = [
            "id",
            "firm",
            "office",
            "name",
            "short_name",
            "credit_code",
            "status",
            "industry",
            "industry_section",
            "industry_name",
            "ownership",
            "listed",
            "stock_code",
            "exchange",
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
            "contacts",
            "created",
            "updated",
        ]
        read_only_fields = ["industry_section", "created", "updated"]
        validators = []  # duplicates are refused by the service, naming the client that has the code

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["firm"].queryset = client_firms(request.user)
            self.fields["office"].queryset = visible_offices(request.user)
            self.fields["parent"].queryset = Client.objects.restrict(request.user, VIEW)

    def get_industry_name(self, client) -> str:
        return industry.label(client.industry)


class ClientUpdateSerializer(ClientSerializer):
    class Meta(ClientSerializer.Meta):
        read_only_fields = ["firm", "industry_section", "created", "updated"]


class BlacklistEntrySerializer(serializers.ModelSerializer):
    class Meta:
        model = BlacklistEntry
        fields = [
            "id",
            "firm",
            "name",
            "credit_code",
            "reason",
            "active",
            "deactivated_reason",
            "deactivated_at",
            "created",
        ]
        read_only_fields = fields
