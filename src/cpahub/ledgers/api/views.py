"""REST API of the ledgers app: snapshots, their accounts, findings, voucher lines and balances; imports."""

from __future__ import annotations

import polars as pl
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from cpahub.core import uploads
from cpahub.core.api.viewsets import RestrictedViewSet, to_drf_error
from cpahub.ledgers import profiles, services
from cpahub.ledgers.api import serializers
from cpahub.ledgers.filtersets import SnapshotFilterSet
from cpahub.ledgers.formats import FormatError
from cpahub.ledgers.models import LedgerSnapshot, Workspace
from cpahub.ledgers.store import SnapshotError, SnapshotReader
from cpahub.ledgers.validation import render_error


def _page(snapshot, table: str, query: dict, filters: list) -> dict:
    """One page of a Parquet table of the snapshot: filtered lazily, sliced, never loaded whole."""
    page, size = query["page"], query["page_size"]
    if not snapshot.storage_prefix or not snapshot.content_sm3:
        return {"count": 0, "page": page, "page_size": size, "results": []}
    try:
        frame = SnapshotReader(snapshot).lazy(table)
    except SnapshotError as error:
        raise exceptions.APIException(str(error)) from error
    for condition in filters:
        frame = frame.filter(condition)
    count = frame.select(pl.len()).collect().item()
    rows = frame.slice((page - 1) * size, size).collect().to_dicts()
    return {"count": count, "page": page, "page_size": size, "results": rows}


class SnapshotViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, RestrictedViewSet):
    """Imported ledgers of the user's firm (client ledgers are confidential to the firm)."""

    queryset = LedgerSnapshot.objects.select_related("workspace")
    serializer_class = serializers.SnapshotSerializer
    filterset_class = SnapshotFilterSet
    ordering_fields = ["started_at", "fiscal_year", "entity_name"]

    def queryset_for(self, user, action):
        return LedgerSnapshot.objects.restrict(user, action).select_related("workspace")

    @extend_schema(responses=serializers.SnapshotAccountSerializer(many=True))
    @action(detail=True, methods=["get"], filter_backends=[])
    def accounts(self, request, pk=None):
        """The trial-balance summary per account."""
        snapshot = self.get_object()
        page = self.paginate_queryset(snapshot.accounts.order_by("code"))
        return self.get_paginated_response(serializers.SnapshotAccountSerializer(page, many=True).data)

    @extend_schema(responses=serializers.SnapshotIssueSerializer(many=True))
    @action(detail=True, methods=["get"], filter_backends=[])
    def findings(self, request, pk=None):
        """The validation findings (message in the request's language)."""
        snapshot = self.get_object()
        page = self.paginate_queryset(snapshot.issues.order_by("pk"))
        return self.get_paginated_response(serializers.SnapshotIssueSerializer(page, many=True).data)

    @extend_schema(parameters=[serializers.LineQuerySerializer], responses=serializers.LinePageSerializer)
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def lines(self, request, pk=None):
        """Voucher lines in stored order, filtered and paged (`page_size` at most 500)."""
        snapshot = self.get_object()
        query = serializers.LineQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        filters = []
        if "account_code" in data:
            filters.append(pl.col("account_code") == data["account_code"])
        if "period" in data:
            filters.append(pl.col("period") == data["period"])
        if "voucher_number" in data:
            filters.append(pl.col("voucher_number") == data["voucher_number"])
        if "date_from" in data:
            filters.append(pl.col("voucher_date") >= data["date_from"])
        if "date_to" in data:
            filters.append(pl.col("voucher_date") <= data["date_to"])
        result = _page(snapshot, "lines", data, filters)
        return Response(serializers.LinePageSerializer(result).data)

    @extend_schema(
        parameters=[serializers.BalanceQuerySerializer], responses=serializers.BalancePageSerializer
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def balances(self, request, pk=None):
        """Opening, movement and closing balances by account and dimension, filtered and paged."""
        snapshot = self.get_object()
        query = serializers.BalanceQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        filters = [
            pl.col(name) == data[name]
            for name in ("account_code", "dimension_type", "dimension_code")
            if name in data
        ]
        result = _page(snapshot, "balances", data, filters)
        return Response(serializers.BalancePageSerializer(result).data)


class ImportViewSet(RestrictedViewSet):
    """Upload a ledger file; the import runs in the background and the snapshot shows its progress."""

    queryset = LedgerSnapshot.objects.all()
    serializer_class = serializers.ImportSerializer
    parser_classes = [MultiPartParser, FormParser]
    filter_backends = []
    pagination_class = None

    def initialize_request(self, request, *args, **kwargs):
        # Before anything reads the body (CSRF of session clients included): the size limit.
        if request.method == "POST":
            uploads.install(request, services.max_bytes())
        return super().initialize_request(request, *args, **kwargs)

    def initial(self, request, *args, **kwargs):
        limit = services.max_bytes()
        session = request._request.user.is_authenticated  # a browser session: no need to read the body
        if request.method == "POST" and session and uploads.declared_too_large(request._request, limit):
            raise UploadTooLarge(uploads.refusal_message(limit))
        super().initial(request, *args, **kwargs)

    @extend_schema(request=serializers.ImportSerializer, responses={202: serializers.ImportResultSerializer})
    def create(self, request):
        if not _may_import(request.user):
            raise exceptions.PermissionDenied()
        form = serializers.ImportSerializer(data=request.data, context={"request": request})
        refused = getattr(request._request, "upload_refused", None)
        if refused:
            raise UploadTooLarge(uploads.refusal_message(refused))
        form.is_valid(raise_exception=True)
        data = form.validated_data
        profile = data.get("profile")
        try:
            snapshot = services.queue_import(
                request.user,
                data["file"],
                format="tabular" if profile else data.get("format") or None,
                workspace=data.get("workspace"),
                options=profiles.import_options(profile) if profile else None,
            )
        except DjangoPermissionDenied as error:
            raise to_drf_error(error) from error
        except (services.LedgerImportError, FormatError) as error:
            raise exceptions.ValidationError({"file": [render_error(error)]}) from error
        snapshot.refresh_from_db()
        result = {"id": snapshot.pk, "status": snapshot.status, "url": snapshot.get_absolute_url()}
        return Response(serializers.ImportResultSerializer(result).data, status=status.HTTP_202_ACCEPTED)


class UploadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "too_large"


def _may_import(user) -> bool:
    from cpahub.core.permissions import can_add

    return can_add(user, Workspace)
