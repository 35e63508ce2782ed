"""REST API of billing: fee agreements, invoices (with their actions), receipts, allocations (read and
write for the finance group), and the reports (read). Every write goes through `billing.services`."""

import datetime
from decimal import Decimal

from django.db.models import DecimalField, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from cpahub.billing import filtersets, reports
from cpahub.billing.api import serializers
from cpahub.billing.models import Allocation, CreditNote, FeeAgreement, Invoice, Receipt
from cpahub.billing.queries import report_firms
from cpahub.billing.services import agreements, invoices, receipts
from cpahub.core.api.viewsets import RestrictedViewSet

MONEY = DecimalField(max_digits=14, decimal_places=2)
ZERO = Value(Decimal("0"), output_field=MONEY)


def _sum(model, field, **link):
    rows = model.objects.filter(**link).order_by().values(*link).annotate(total=Sum(field)).values("total")
    return Coalesce(Subquery(rows, output_field=MONEY), ZERO)


def with_balances(invoices_qs):
    allocated = _sum(Allocation, "amount", invoice=OuterRef("pk"))
    credited = _sum(CreditNote, "gross", invoice=OuterRef("pk"))
    return invoices_qs.annotate(allocated=allocated, credited=credited).annotate(
        open_amount=Coalesce("gross_amount", ZERO) - allocated - credited
    )


class _Writes(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, RestrictedViewSet):
    pass


class FeeAgreementViewSet(mixins.UpdateModelMixin, _Writes):
    """Fee agreements (one per engagement). Rates and milestones through their own actions; the
    engagement's contracted fee follows the agreement."""

    queryset = FeeAgreement.objects.all()
    serializer_class = serializers.FeeAgreementSerializer
    filterset_class = filtersets.AgreementFilterSet

    def queryset_for(self, user, action):
        qs = FeeAgreement.objects.restrict(user, action).select_related("engagement")
        return qs.prefetch_related("rates", "milestones").order_by("-pk")

    def perform_create(self, serializer):
        self.check_add()
        data = dict(serializer.validated_data)
        engagement = data.pop("engagement")
        serializer.instance = self.run_service(
            agreements.save_agreement, self.request.user, engagement, **data
        )

    def perform_update(self, serializer):
        agreement = serializer.instance
        serializer.instance = self.run_service(
            agreements.save_agreement,
            self.request.user,
            agreement.engagement,
            agreement,
            **serializer.validated_data,
        )

    @extend_schema(request=serializers.RateSerializer, responses=serializers.FeeAgreementSerializer)
    @action(detail=True, methods=["post"])
    def rates(self, request, pk=None):
        agreement = self.get_object()
        payload = serializers.RateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        self.run_service(agreements.set_rate, request.user, agreement, data["grade"], data["rate"])
        return Response(self.get_serializer(self.get_queryset().get(pk=agreement.pk)).data)

    @extend_schema(request=serializers.FeeMilestoneSerializer, responses=serializers.FeeAgreementSerializer)
    @action(detail=True, methods=["post"])
    def milestones(self, request, pk=None):
        agreement = self.get_object()
        payload = serializers.FeeMilestoneSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        self.run_service(agreements.add_milestone, request.user, agreement, **payload.validated_data)
        return Response(self.get_serializer(self.get_queryset().get(pk=agreement.pk)).data, status=201)


class InvoiceViewSet(mixins.UpdateModelMixin, mixins.DestroyModelMixin, _Writes):
    """Invoices. Drafts are created with their lines, changed, issued (gap-free number) or deleted;
    issued invoices get their electronic invoice number, credit notes, or are cancelled."""

    queryset = Invoice.objects.all()
    serializer_class = serializers.InvoiceSerializer
    filterset_class = filtersets.InvoiceFilterSet

    def queryset_for(self, user, action):
        qs = Invoice.objects.restrict(user, action).prefetch_related("lines", "credit_notes")
        return with_balances(qs).order_by("-issue_date", "-pk")

    def _answer(self, invoice, code=status.HTTP_200_OK):
        fresh = self.queryset_for(self.request.user, "view").get(pk=invoice.pk)
        return Response(
            serializers.InvoiceSerializer(fresh, context=self.get_serializer_context()).data, status=code
        )

    @extend_schema(
        request=serializers.InvoiceCreateSerializer, responses={201: serializers.InvoiceSerializer}
    )
    def create(self, request, *args, **kwargs):
        self.check_add()
        payload = serializers.InvoiceCreateSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        engagement, lines = data.pop("engagement"), data.pop("lines", [])
        invoice = self.run_service(
            invoices.create_invoice, request.user, engagement.client, engagement, **data
        )
        for line in lines:
            line = dict(line)
            self.run_service(invoices.add_line, request.user, invoice, line.pop("engagement"), **line)
        return self._answer(invoice, status.HTTP_201_CREATED)

    def perform_update(self, serializer):
        serializer.instance = self.run_service(
            invoices.update_draft, self.request.user, serializer.instance, **serializer.validated_data
        )

    def update(self, request, *args, **kwargs):
        super().update(request, *args, **kwargs)
        return self._answer(self.get_object())

    def perform_destroy(self, instance):
        self.run_service(invoices.delete_draft, self.request.user, instance)

    @extend_schema(request=serializers.NewLineSerializer, responses={201: serializers.InvoiceSerializer})
    @action(detail=True, methods=["post"])
    def lines(self, request, pk=None):
        invoice = self.get_object()
        payload = serializers.NewLineSerializer(data=request.data, context=self.get_serializer_context())
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        self.run_service(invoices.add_line, request.user, invoice, data.pop("engagement"), **data)
        return self._answer(invoice, status.HTTP_201_CREATED)

    @extend_schema(request=serializers.IssueSerializer, responses=serializers.InvoiceSerializer)
    @action(detail=True, methods=["post"])
    def issue(self, request, pk=None):
        payload = serializers.IssueSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        invoice = self.run_service(
            invoices.issue_invoice, request.user, self.get_object(), **payload.validated_data
        )
        return self._answer(invoice)

    @extend_schema(request=serializers.ENumberSerializer, responses=serializers.InvoiceSerializer)
    @action(detail=True, methods=["post"], url_path="e-invoice-number")
    def e_invoice_number(self, request, pk=None):
        payload = serializers.ENumberSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        number = payload.validated_data["e_invoice_number"]
        invoice = self.run_service(invoices.set_e_invoice_number, request.user, self.get_object(), number)
        return self._answer(invoice)

    @extend_schema(request=serializers.CancelSerializer, responses=serializers.InvoiceSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        payload = serializers.CancelSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        invoice = self.run_service(
            invoices.cancel_invoice, request.user, self.get_object(), data["reason"], on=data.get("on")
        )
        return self._answer(invoice)

    @extend_schema(
        request=serializers.CreditNoteSerializer, responses={201: serializers.CreditNoteSerializer}
    )
    @action(detail=True, methods=["post"], url_path="credit-notes")
    def credit_notes(self, request, pk=None):
        invoice = self.get_object()
        payload = serializers.CreditNoteSerializer(data=request.data, context=self.get_serializer_context())
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        note = self.run_service(invoices.credit_note, request.user, invoice, data.pop("engagement"), **data)
        return Response(serializers.CreditNoteSerializer(note).data, status=status.HTTP_201_CREATED)


class ReceiptViewSet(mixins.UpdateModelMixin, _Writes):
    """Receipts; `unallocated` is what is not yet allocated to invoices."""

    queryset = Receipt.objects.all()
    serializer_class = serializers.ReceiptSerializer
    filterset_class = filtersets.ReceiptFilterSet

    def queryset_for(self, user, action):
        from cpahub.billing.views.receipts import with_unallocated

        return with_unallocated(Receipt.objects.restrict(user, action))

    def perform_create(self, serializer):
        self.check_add()
        receipt = self.run_service(receipts.record_receipt, self.request.user, **serializer.validated_data)
        serializer.instance = self.get_queryset().get(pk=receipt.pk)

    def perform_update(self, serializer):
        receipt = self.run_service(
            receipts.update_receipt, self.request.user, serializer.instance, **serializer.validated_data
        )
        serializer.instance = self.queryset_for(self.request.user, "view").get(pk=receipt.pk)


class AllocationViewSet(mixins.DestroyModelMixin, _Writes):
    """Receipts allocated to invoices; never more than the receipt holds or the invoice still owes."""

    queryset = Allocation.objects.all()
    serializer_class = serializers.AllocationSerializer

    def queryset_for(self, user, action):
        return Allocation.objects.restrict(user, action).order_by("-pk")

    def perform_create(self, serializer):
        self.check_add()
        data = serializer.validated_data
        serializer.instance = self.run_service(
            receipts.allocate, self.request.user, data["receipt"], data["invoice"], data["amount"]
        )

    def check_add(self):
        from cpahub.billing.access import may_write_finance
        from cpahub.core.permissions import scope_for

        if not may_write_finance(scope_for(self.request.user)):
            raise exceptions.PermissionDenied()

    def perform_destroy(self, instance):
        self.run_service(receipts.unallocate, self.request.user, instance)


DAY = OpenApiParameter("as_of", OpenApiTypes.DATE, description="Day of the report (default today)")
FIRM = OpenApiParameter(
    "firm", OpenApiTypes.INT, description="Firm (head office) id, when you work for several"
)


class ReportViewSet(viewsets.ViewSet):
    """WIP, receivables ageing and realisation of the caller's firm, limited to what they may see."""

    permission_classes = [IsAuthenticated]

    def _firm(self, request):
        firms = report_firms(request.user)
        chosen = request.query_params.get("firm", "")
        firm = firms.filter(pk=chosen).first() if chosen.isdigit() else firms.first()
        if firm is None:
            raise exceptions.PermissionDenied()
        return firm

    def _date(self, request, name, default):
        text = request.query_params.get(name)
        if not text:
            return default
        try:
            return datetime.date.fromisoformat(text)
        except ValueError:
            raise exceptions.ValidationError({name: "Use the form YYYY-MM-DD."}) from None

    def _by(self, request, allowed):
        by = request.query_params.get("by") or "engagement"
        if by not in allowed:
            raise exceptions.ValidationError({"by": f"One of {', '.join(allowed)}."})
        return by

    @extend_schema(
        parameters=[DAY, FIRM, OpenApiParameter("by", str, enum=list(reports.WIP_GROUPINGS))],
        responses=serializers.WipReportSerializer,
    )
    @action(detail=False, methods=["get"])
    def wip(self, request):
        by = self._by(request, reports.WIP_GROUPINGS)
        report = reports.wip(
            self._firm(request), self._date(request, "as_of", timezone.localdate()), by, request.user
        )
        return Response(serializers.WipReportSerializer(report).data)

    @extend_schema(parameters=[DAY, FIRM], responses=serializers.AgeingReportSerializer)
    @action(detail=False, methods=["get"])
    def ageing(self, request):
        report = reports.ageing(
            self._firm(request), self._date(request, "as_of", timezone.localdate()), request.user
        )
        return Response(serializers.AgeingReportSerializer(report).data)

    @extend_schema(
        parameters=[
            OpenApiParameter("start", OpenApiTypes.DATE, description="Default: 1 January of the end's year"),
            OpenApiParameter("end", OpenApiTypes.DATE, description="Default: today"),
            FIRM,
            OpenApiParameter("by", str, enum=list(reports.REALISATION_GROUPINGS)),
        ],
        responses=serializers.RealisationReportSerializer,
    )
    @action(detail=False, methods=["get"])
    def realisation(self, request):
        end = self._date(request, "end", timezone.localdate())
        start = self._date(request, "start", datetime.date(end.year, 1, 1))
        if start > end:
            raise exceptions.ValidationError({"start": "The period ends before it starts."})
        by = self._by(request, reports.REALISATION_GROUPINGS)
        report = reports.realisation(self._firm(request), start, end, by, request.user)
        data = serializers.RealisationReportSerializer({"start": start, "end": end, **vars(report)}).data
        return Response(data)
