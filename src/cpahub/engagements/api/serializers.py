from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cpahub.accounts.models import User
from cpahub.clients.models import Client
from cpahub.core.permissions import VIEW
from cpahub.engagements.models import (
    BudgetLine,
    Engagement,
    Milestone,
    ReviewSignoff,
    StatusChange,
    TeamMember,
)
from cpahub.engagements.services import lifecycle
from cpahub.practice.models import Grade


class _UserRestricted(serializers.PrimaryKeyRelatedField):
    """A key among the rows the requesting user may see (others read as 'does not exist')."""

    def __init__(self, model, **kwargs):
        self.model = model
        super().__init__(**kwargs)

    def get_queryset(self):
        request = self.context.get("request")
        if request is None:
            return self.model.objects.none()
        return self.model.objects.restrict(request.user, VIEW)


class EngagementSerializer(serializers.ModelSerializer):
    client = _UserRestricted(Client)
    partner = serializers.PrimaryKeyRelatedField(queryset=User.objects.all(), allow_null=True, required=False)
    manager = serializers.PrimaryKeyRelatedField(queryset=User.objects.all(), allow_null=True, required=False)
    archive_deadline = serializers.DateField(
        read_only=True, help_text=_("Report date + the firm's archive days.")
    )
    acceptance_status = serializers.CharField(source="acceptance.status", read_only=True, default=None)
    risk_level = serializers.CharField(source="acceptance.risk_level", read_only=True, default=None)

    class Meta:
        model = Engagement
        fields = [
            "id",
            "firm",
            "office",
            "client",
            "code",
            "name",
            "type",
            "period_start",
            "period_end",
            "status",
            "partner",
            "manager",
            "planned_start",
            "report_due",
            "report_date",
            "report_number",
            "archived_on",
            "archive_deadline",
            "contracted_fee",
            "notes",
            "previous",
            "acceptance_status",
            "risk_level",
            "created",
            "updated",
        ]
        read_only_fields = [
            "firm",
            "status",
            "report_date",
            "report_number",
            "archived_on",
            "previous",
            "created",
            "updated",
        ]
        extra_kwargs = {
            "office": {"required": False},
            "code": {"required": False, "allow_blank": True},
            "name": {"required": False, "allow_blank": True},
        }
        validators = []  # uniqueness is checked by the service, with the firm known


class EngagementUpdateSerializer(EngagementSerializer):
    client = serializers.PrimaryKeyRelatedField(read_only=True)


class TransitionSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=sorted(lifecycle.STEPS))
    comment = serializers.CharField(required=False, allow_blank=True, default="")
    report_date = serializers.DateField(required=False, allow_null=True, default=None)
    archived_on = serializers.DateField(required=False, allow_null=True, default=None)


class CommentSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class StatusChangeSerializer(serializers.ModelSerializer):
    class Meta:
        model = StatusChange
        fields = ["id", "action", "from_status", "to_status", "user", "comment", "created"]


class SignoffSerializer(serializers.ModelSerializer):
    class Meta:
        model = ReviewSignoff
        fields = ["id", "level", "user", "comment", "superseded", "created"]


class _PartSerializer(serializers.ModelSerializer):
    engagement = _UserRestricted(Engagement)

    def get_fields(self):
        fields = super().get_fields()
        if self.instance is not None:
            fields["engagement"].read_only = True
        return fields


class TeamMemberSerializer(_PartSerializer):
    user = serializers.PrimaryKeyRelatedField(queryset=User.objects.all())
    grade = serializers.PrimaryKeyRelatedField(queryset=Grade.objects.all(), allow_null=True, required=False)
    user_name = serializers.SerializerMethodField()

    class Meta:
        model = TeamMember
        fields = [
            "id",
            "engagement",
            "user",
            "user_name",
            "role",
            "grade",
            "joined",
            "left",
            "created",
            "updated",
        ]
        read_only_fields = ["created", "updated"]
        validators = []

    @extend_schema_field(serializers.CharField())
    def get_user_name(self, member) -> str:
        return str(member.user)


class BudgetLineSerializer(_PartSerializer):
    grade = serializers.PrimaryKeyRelatedField(queryset=Grade.objects.all())

    class Meta:
        model = BudgetLine
        fields = ["id", "engagement", "grade", "hours", "created", "updated"]
        read_only_fields = ["created", "updated"]
        validators = []


class MilestoneSerializer(_PartSerializer):
    class Meta:
        model = Milestone
        fields = ["id", "engagement", "name", "due", "done_on", "created", "updated"]
        read_only_fields = ["created", "updated"]
