"""REST API of time: entries (own ones written; managers read their engagements') and weekly sheets
with their submit / approve / reject / reopen actions. Every write goes through `timesheets.services`."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.response import Response

from cpahub.core.api.viewsets import RestrictedModelViewSet, RestrictedViewSet
from cpahub.core.permissions import VIEW
from cpahub.timesheets import services
from cpahub.timesheets.api import serializers
from cpahub.timesheets.filtersets import EntryFilterSet, SheetAPIFilterSet
from cpahub.timesheets.models import TimeEntry, Timesheet, with_totals


class EntryViewSet(RestrictedModelViewSet):
    """Time entries. Create, change and delete only your own unapproved time; approved time is locked."""

    queryset = TimeEntry.objects.all()
    serializer_class = serializers.EntrySerializer
    filterset_class = EntryFilterSet
    ordering_fields = ["date", "hours", "created"]

    def get_serializer_class(self):
        if self.action in ("update", "partial_update"):
            return serializers.EntryUpdateSerializer
        return super().get_serializer_class()

    def queryset_for(self, user, action):
        return (
            TimeEntry.objects.restrict(user, action)
            .select_related("engagement", "user")
            .order_by("date", "pk")
        )

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = self.run_service(
            services.create_entry,
            self.request.user,
            date=data["date"],
            engagement=data.get("engagement"),
            task=data["task"],
            hours=data["hours"],
            note=data.get("note", ""),
        )

    def perform_update(self, serializer):
        serializer.instance = self.run_service(
            services.update_entry, self.request.user, serializer.instance, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        self.run_service(services.delete_entry, self.request.user, instance)


class SheetViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, RestrictedViewSet):
    """Weekly timesheets with their decisions. Nobody approves, rejects or reopens their own week."""

    queryset = Timesheet.objects.all()
    serializer_class = serializers.SheetSerializer
    filterset_class = SheetAPIFilterSet
    ordering_fields = ["week_start", "status"]

    def queryset_for(self, user, action):
        if self.action in ("approve", "reject", "reopen", "submit", "events"):
            action = VIEW  # the services decide who may act
        return with_totals(Timesheet.objects.restrict(user, action))

    def _answer(self, sheet):
        return Response(self.get_serializer(self.get_queryset().get(pk=sheet.pk)).data)

    @extend_schema(request=None, responses=serializers.SheetSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        return self._answer(self.run_service(services.submit, request.user, self.get_object()))

    @extend_schema(request=serializers.DecisionSerializer, responses=serializers.SheetSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        payload = serializers.DecisionSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        sheet = self.run_service(
            services.approve, request.user, self.get_object(), payload.validated_data.get("lines")
        )
        return self._answer(sheet)

    @extend_schema(request=serializers.DecisionSerializer, responses=serializers.SheetSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        payload = serializers.DecisionSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        sheet = self.run_service(
            services.reject, request.user, self.get_object(), data["reason"], data.get("lines")
        )
        return self._answer(sheet)

    @extend_schema(request=serializers.ReasonSerializer, responses=serializers.SheetSerializer)
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        payload = serializers.ReasonSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        sheet = self.run_service(
            services.reopen, request.user, self.get_object(), payload.validated_data["reason"]
        )
        return self._answer(sheet)

    @extend_schema(responses=serializers.EventSerializer(many=True))
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def events(self, request, pk=None):
        """Submissions, approvals, rejections and reopenings of the week, with reasons."""
        sheet = self.get_object()
        return Response(serializers.EventSerializer(sheet.events.all(), many=True).data)
