from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from cpahub.core.api.viewsets import RestrictedViewSet
from cpahub.registry import filtersets, queries, services
from cpahub.registry.api import serializers
from cpahub.registry.models import CPA, Firm, FirmApplication, IndustryCase, Penalty


class FirmViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    RestrictedViewSet,
):
    """Firms and branches. `cpa_count` is derived from the CPA register."""

    queryset = Firm.objects.all()
    serializer_class = serializers.FirmSerializer
    filterset_class = filtersets.FirmFilterSet
    ordering_fields = ["organisation__name", "firm_no", "founded"]

    def queryset_for(self, user, action):
        return queries.firms(user, action)

    def perform_create(self, serializer):
        self.check_add()
        firm = self.run_service(services.register_firm, self.request.user, **serializer.service_data())
        serializer.instance = queries.firms(self.request.user).get(pk=firm.pk)

    def perform_update(self, serializer):
        firm = self.run_service(
            services.update_firm, self.request.user, serializer.instance, **serializer.service_data()
        )
        serializer.instance = queries.firms(self.request.user).get(pk=firm.pk)


class CPAViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    RestrictedViewSet,
):
    """CPAs and non-practising members. ID numbers are write-only; reads show a mask."""

    queryset = CPA.objects.all()
    serializer_class = serializers.CPASerializer
    filterset_class = filtersets.CPAFilterSet
    ordering_fields = ["certificate_no", "name", "qualified_on"]

    def get_serializer_class(self):
        if self.action in ("update", "partial_update"):
            return serializers.CPAUpdateSerializer
        return super().get_serializer_class()

    def queryset_for(self, user, action):
        return queries.cpas(user, action)

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        cpa = self.run_service(services.register_cpa, self.request.user, **data)
        serializer.instance = cpa

    def perform_update(self, serializer):
        self.run_service(
            services.update_cpa, self.request.user, serializer.instance, **serializer.validated_data
        )

    @extend_schema(responses=serializers.CPAEventSerializer(many=True))
    @action(detail=True, methods=["get"])
    def history(self, request, pk=None):
        cpa = self.get_object()
        return Response(serializers.CPAEventSerializer(cpa.events.all(), many=True).data)

    @extend_schema(request=serializers.MoveSerializer, responses=serializers.CPAEventSerializer)
    @action(detail=True, methods=["post"])
    def move(self, request, pk=None):
        cpa = self.get_object()
        payload = serializers.MoveSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        event = self.run_service(
            services.move_cpa, request.user, cpa, data["to_firm"], data["date"], data["note"]
        )
        return Response(serializers.CPAEventSerializer(event).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=serializers.StatusChangeSerializer, responses=serializers.CPAEventSerializer)
    @action(detail=True, methods=["post"])
    def status(self, request, pk=None):
        cpa = self.get_object()
        payload = serializers.StatusChangeSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        event = self.run_service(services.change_cpa_status, request.user, cpa, **payload.validated_data)
        return Response(serializers.CPAEventSerializer(event).data, status=status.HTTP_201_CREATED)


class PenaltyViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    RestrictedViewSet,
):
    queryset = Penalty.objects.all()
    serializer_class = serializers.PenaltySerializer
    filterset_class = filtersets.PenaltyFilterSet
    ordering_fields = ["decided_on", "document_no"]

    def queryset_for(self, user, action):
        return queries.penalties(user, action)

    def perform_create(self, serializer):
        serializer.instance = self.run_service(
            services.record_penalty, self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        self.run_service(
            services.update_penalty, self.request.user, serializer.instance, **serializer.validated_data
        )


class IndustryCaseViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    RestrictedViewSet,
):
    queryset = IndustryCase.objects.all()
    serializer_class = serializers.IndustryCaseSerializer
    filterset_class = filtersets.IndustryCaseFilterSet
    ordering_fields = ["published_on", "title"]

    def queryset_for(self, user, action):
        return IndustryCase.objects.restrict(user, action).order_by("-published_on", "-pk")

    def perform_create(self, serializer):
        serializer.instance = self.run_service(
            services.save_case, self.request.user, IndustryCase(), **serializer.validated_data
        )

    def perform_update(self, serializer):
        self.run_service(
            services.save_case, self.request.user, serializer.instance, **serializer.validated_data
        )


class FirmApplicationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, RestrictedViewSet):
    queryset = FirmApplication.objects.all()
    serializer_class = serializers.FirmApplicationSerializer
    filterset_class = filtersets.FirmApplicationFilterSet

    def queryset_for(self, user, action):
        return FirmApplication.objects.restrict(user, action).order_by("-created")
