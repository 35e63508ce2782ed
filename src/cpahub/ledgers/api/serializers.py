"""Serializers of the ledgers API. Voucher lines and balances come from Parquet, not the database."""

from __future__ import annotations

import polars as pl
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from cpahub.core.permissions import CHANGE, VIEW
from cpahub.ledgers import canonical, formats, services
from cpahub.ledgers.forms import check_size
from cpahub.ledgers.models import LedgerSnapshot, MappingProfile, SnapshotAccount, SnapshotIssue, Workspace
from cpahub.ledgers.validation import render_message

MAX_PAGE_SIZE = 500
DEFAULT_PAGE_SIZE = 100


class SnapshotSerializer(serializers.ModelSerializer):
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    workspace_name = serializers.CharField(source="workspace.name", read_only=True)

    class Meta:
        model = LedgerSnapshot
        fields = [
            "id",
            "workspace",
            "workspace_name",
            "status",
            "status_display",
            "message",
            "progress",
            "canonical_version",
            "source_format",
            "source_name",
            "source_size",
            "source_sm3",
            "content_sm3",
            "entity_name",
            "credit_code",
            "currency",
            "fiscal_year",
            "period_start",
            "period_end",
            "account_count",
            "voucher_count",
            "line_count",
            "total_debit",
            "total_credit",
            "error_count",
            "warning_count",
            "check_counts",
            "replaces",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields


class SnapshotAccountSerializer(serializers.ModelSerializer):
    class Meta:
        model = SnapshotAccount
        fields = ["code", "name", "level", "type", "normal_balance", "opening", "debit", "credit", "closing"]
        read_only_fields = fields


class SnapshotIssueSerializer(serializers.ModelSerializer):
    title = serializers.SerializerMethodField()
    message = serializers.SerializerMethodField()

    class Meta:
        model = SnapshotIssue
        fields = ["id", "severity", "code", "title", "message", "location", "data"]
        read_only_fields = fields

    def get_title(self, issue) -> str:
        return services.check_title(issue.code)

    def get_message(self, issue) -> str:
        return render_message(issue)


def _field_for(dtype) -> serializers.Field:
    if dtype == pl.Utf8:
        return serializers.CharField(allow_null=True)
    if dtype in (pl.Int32, pl.Int64):
        return serializers.IntegerField(allow_null=True)
    if dtype == pl.Boolean:
        return serializers.BooleanField(allow_null=True)
    if dtype == pl.Date:
        return serializers.DateField(allow_null=True)
    if isinstance(dtype, pl.Datetime):
        return serializers.DateTimeField(allow_null=True)
    if isinstance(dtype, pl.Decimal):
        return serializers.DecimalField(
            max_digits=dtype.precision, decimal_places=dtype.scale, allow_null=True, coerce_to_string=True
        )
    if isinstance(dtype, pl.List):
        return serializers.ListField(child=serializers.CharField(), allow_null=True)
    return serializers.CharField(allow_null=True)


def _table_serializer(name: str, table: str) -> type[serializers.Serializer]:
    fields = {column: _field_for(dtype) for column, dtype in canonical.TABLES[table].items()}
    return type(name, (serializers.Serializer,), fields)


LineSerializer = _table_serializer("LedgerLineSerializer", "lines")
BalanceSerializer = _table_serializer("LedgerBalanceSerializer", "balances")


class PageQuerySerializer(serializers.Serializer):
    page = serializers.IntegerField(required=False, min_value=1, default=1)
    page_size = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_PAGE_SIZE, default=DEFAULT_PAGE_SIZE
    )
    account_code = serializers.CharField(required=False, help_text=_("Exact account code"))


class LineQuerySerializer(PageQuerySerializer):
    period = serializers.IntegerField(required=False, min_value=0)
    voucher_number = serializers.CharField(required=False)
    date_from = serializers.DateField(required=False)
    date_to = serializers.DateField(required=False)


class BalanceQuerySerializer(PageQuerySerializer):
    dimension_type = serializers.CharField(required=False)
    dimension_code = serializers.CharField(required=False)


class LinePageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    page = serializers.IntegerField()
    page_size = serializers.IntegerField()
    results = LineSerializer(many=True)


class BalancePageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    page = serializers.IntegerField()
    page_size = serializers.IntegerField()
    results = BalanceSerializer(many=True)


class ImportSerializer(serializers.Serializer):
    file = serializers.FileField()
    format = serializers.ChoiceField(choices=list(formats.MODULES), required=False, allow_blank=True)
    workspace = serializers.PrimaryKeyRelatedField(
        queryset=Workspace.objects.none(), required=False, allow_null=True
    )
    profile = serializers.PrimaryKeyRelatedField(
        queryset=MappingProfile.objects.none(),
        required=False,
        allow_null=True,
        help_text=_("The mapping profile that reads a CSV or Excel export (format tabular or empty)."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None and request.user.is_authenticated:
            self.fields["workspace"].queryset = Workspace.objects.restrict(request.user, CHANGE)
            self.fields["profile"].queryset = MappingProfile.objects.restrict(request.user, VIEW)

    def validate_file(self, uploaded):
        check_size(uploaded)
        return uploaded

    def validate(self, data):
        if data.get("profile") is not None and data.get("format") not in (None, "", "tabular"):
            raise serializers.ValidationError(
                {"profile": [_("A mapping profile reads CSV or Excel exports: choose that format, or none.")]}
            )
        return data


class ImportResultSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    url = serializers.CharField()
