"""The engagements API: engagements with their team, budget and milestones; steps through the services."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from cpahub.core.api.viewsets import RestrictedModelViewSet, RestrictedViewSet
from cpahub.core.permissions import VIEW
from cpahub.engagements import filtersets
from cpahub.engagements.api import serializers
from cpahub.engagements.models import BudgetLine, Engagement, Milestone, TeamMember
from cpahub.engagements.services import engagements, lifecycle, reviews, team


class EngagementViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    RestrictedViewSet,
):
    """Engagements of the user's firm. The status moves only through `transition` (the same rules as
    the pages: who may take each step, acceptance approved before fieldwork, three sign-offs before
    the report is issued)."""

    queryset = Engagement.objects.all()
    serializer_class = serializers.EngagementSerializer
    filterset_class = filtersets.EngagementFilterSet
    ordering_fields = ["code", "period_end", "report_due", "report_date", "created"]

    def queryset_for(self, user, action):
        return (
            Engagement.objects.restrict(user, action).select_related("acceptance").order_by("-created", "-pk")
        )

    def get_serializer_class(self):
        if self.action in ("update", "partial_update"):
            return serializers.EngagementUpdateSerializer
        return super().get_serializer_class()

    def perform_create(self, serializer):
        self.check_add()
        data = dict(serializer.validated_data)
        client = data.pop("client")
        serializer.instance = self.run_service(
            engagements.create_engagement, self.request.user, client=client, **data
        )

    def perform_update(self, serializer):
        serializer.instance = self.run_service(
            engagements.update_engagement, self.request.user, serializer.instance, **serializer.validated_data
        )

    def get_queryset(self):
        if self.action in ("transition", "signoff") and not getattr(self, "swagger_fake_view", False):
            # The step's own rule decides who may take it; the engagement need only be visible.
            return self.queryset_for(self.request.user, VIEW)
        return super().get_queryset()

    @extend_schema(request=serializers.TransitionSerializer, responses=serializers.StatusChangeSerializer)
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        """Take a step of the pipeline: plan, start_fieldwork, submit_review, return_fieldwork, issue,
        void_report, archive, decline or cancel."""
        engagement = self.get_object()
        payload = serializers.TransitionSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        name = data.pop("action")
        change = self.run_service(lifecycle.transition, request.user, engagement, name, **data)
        return Response(serializers.StatusChangeSerializer(change).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=serializers.CommentSerializer, responses=serializers.SignoffSerializer)
    @action(detail=True, methods=["post"])
    def signoff(self, request, pk=None):
        """Sign the next awaited review level (1 manager, 2 partner, 3 quality)."""
        engagement = self.get_object()
        payload = serializers.CommentSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        signoff = self.run_service(reviews.sign_off, request.user, engagement, **payload.validated_data)
        return Response(serializers.SignoffSerializer(signoff).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=serializers.StatusChangeSerializer(many=True))
    @action(detail=True, methods=["get"])
    def history(self, request, pk=None):
        """Every status change: who, when, from, to, comment."""
        engagement = self.get_object()
        changes = engagement.status_changes.order_by("created", "pk")
        return Response(serializers.StatusChangeSerializer(changes, many=True).data)


class _PartViewSet(RestrictedModelViewSet):
    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        engagement = data.pop("engagement")
        serializer.instance = self.run_service(self.write, self.request.user, engagement, None, data)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("engagement", None)
        instance = serializer.instance
        merged = {name: data.get(name, getattr(instance, name)) for name in self.fields}
        serializer.instance = self.run_service(
            self.write, self.request.user, instance.engagement, instance, merged
        )

    def perform_destroy(self, instance):
        self.run_service(self.remove, self.request.user, instance)


class TeamMemberViewSet(_PartViewSet):
    """Team members with their role on the engagement (partner, eqr = quality reviewer, manager,
    senior, staff) and grade."""

    queryset = TeamMember.objects.all()
    serializer_class = serializers.TeamMemberSerializer
    filterset_class = filtersets.TeamMemberFilterSet
    fields = ("user", "role", "grade", "joined", "left")

    def queryset_for(self, user, action):
        return (
            TeamMember.objects.restrict(user, action)
            .select_related("user")
            .order_by("engagement", "role", "pk")
        )

    @staticmethod
    def write(user, engagement, member, data):
        return team.save_member(user, engagement, member=member, **data)

    @staticmethod
    def remove(user, member):
        return team.remove_member(user, member)


class BudgetLineViewSet(_PartViewSet):
    """Budget hours of an engagement by grade."""

    queryset = BudgetLine.objects.all()
    serializer_class = serializers.BudgetLineSerializer
    filterset_class = filtersets.BudgetLineFilterSet
    fields = ("grade", "hours")

    def queryset_for(self, user, action):
        return BudgetLine.objects.restrict(user, action).order_by("engagement", "grade__rank")

    @staticmethod
    def write(user, engagement, line, data):
        return team.save_budget_line(user, engagement, line=line, **data)

    @staticmethod
    def remove(user, line):
        return team.delete_budget_line(user, line)


class MilestoneViewSet(_PartViewSet):
    """Milestones of an engagement with their due dates."""

    queryset = Milestone.objects.all()
    serializer_class = serializers.MilestoneSerializer
    filterset_class = filtersets.MilestoneFilterSet
    fields = ("name", "due", "done_on")

    def queryset_for(self, user, action):
        return Milestone.objects.restrict(user, action).order_by("engagement", "due")

    @staticmethod
    def write(user, engagement, milestone, data):
        return team.save_milestone(user, engagement, milestone=milestone, **data)

    @staticmethod
    def remove(user, milestone):
        return team.delete_milestone(user, milestone)
