from rest_framework import mixins

from cpahub.core.api.serializers import ObjectChangeSerializer
from cpahub.core.api.viewsets import RestrictedViewSet
from cpahub.core.filtersets import ObjectChangeFilterSet
from cpahub.core.models import ObjectChange


class ObjectChangeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, RestrictedViewSet):
    """The change log: who changed which business object, when, and what changed."""

    queryset = ObjectChange.objects.all()
    serializer_class = ObjectChangeSerializer
    filterset_class = ObjectChangeFilterSet

    def queryset_for(self, user, action):
        return ObjectChange.objects.restrict(user, action).select_related("content_type")
