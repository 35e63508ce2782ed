from rest_framework import serializers

from cpahub.core.models import ObjectChange


class ObjectChangeSerializer(serializers.ModelSerializer):
    object_type = serializers.SerializerMethodField()

    class Meta:
        model = ObjectChange
        fields = [
            "id",
            "time",
            "user",
            "user_name",
            "request_id",
            "action",
            "object_type",
            "object_id",
            "object_repr",
            "before",
            "after",
        ]

    def get_object_type(self, change) -> str:
        return f"{change.content_type.app_label}.{change.content_type.model}"
