from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from cpahub.core.permissions import VIEW, scope_for
from cpahub.engagements.models import Engagement
from cpahub.practice.access import FINANCE
from cpahub.timesheets.choices import Task, is_chargeable
from cpahub.timesheets.models import TimeEntry, Timesheet, TimesheetEvent


class EntrySerializer(serializers.ModelSerializer):
    engagement = serializers.PrimaryKeyRelatedField(
        queryset=Engagement.objects.none(), required=False, allow_null=True
    )
    engagement_code = serializers.CharField(source="engagement.code", read_only=True, default=None)
    user_name = serializers.CharField(source="user.__str__", read_only=True)
    task = serializers.ChoiceField(choices=Task.choices)
    chargeable = serializers.SerializerMethodField()

    class Meta:
        model = TimeEntry
        fields = [
            "id",
            "sheet",
            "user",
            "user_name",
            "date",
            "engagement",
            "engagement_code",
            "task",
            "hours",
            "note",
            "chargeable",
            "status",
            "grade",
            "charge_rate",
            "cost_rate",
            "approved_by",
            "approved_at",
            "created",
            "updated",
        ]
        read_only_fields = [
            "sheet",
            "user",
            "status",
            "grade",
            "charge_rate",
            "cost_rate",
            "approved_by",
            "approved_at",
            "created",
            "updated",
        ]
        extra_kwargs = {"hours": {"validators": []}}  # the service checks hours and says why

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None and request.user.is_authenticated:
            self.fields["engagement"].queryset = Engagement.objects.restrict(request.user, VIEW)

    def get_chargeable(self, entry) -> bool:
        return is_chargeable(entry.task, entry.engagement_id)

    def to_representation(self, entry):
        data = super().to_representation(entry)
        request = self.context.get("request")
        # Cost rates are the firm's business, not every employee's.
        if request is None or not scope_for(request.user).has_role(*FINANCE):
            data["cost_rate"] = None
        return data


class EntryUpdateSerializer(EntrySerializer):
    class Meta(EntrySerializer.Meta):
        read_only_fields = [f for f in EntrySerializer.Meta.fields if f not in ("hours", "note")]


class SheetSerializer(serializers.ModelSerializer):
    user_name = serializers.CharField(source="user.__str__", read_only=True)
    total_hours = serializers.DecimalField(max_digits=8, decimal_places=2, read_only=True, default=None)
    chargeable_hours = serializers.DecimalField(max_digits=8, decimal_places=2, read_only=True, default=None)

    class Meta:
        model = Timesheet
        fields = [
            "id",
            "user",
            "user_name",
            "firm",
            "office",
            "week_start",
            "status",
            "submitted_at",
            "reject_reason",
            "total_hours",
            "chargeable_hours",
            "created",
            "updated",
        ]
        read_only_fields = fields


class EventSerializer(serializers.ModelSerializer):
    class Meta:
        model = TimesheetEvent
        fields = ["id", "kind", "actor", "time", "engagement", "lines", "hours", "reason"]
        read_only_fields = fields


class DecisionSerializer(serializers.Serializer):
    lines = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        allow_null=True,
        help_text=_(
            'Engagement ids, or "other" for time outside engagements; omit for every line you may decide.'
        ),
    )
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField()
