"""Base viewsets: rows come through `restrict()`, writes through services (never serializer.save)."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, mixins, viewsets
from rest_framework.permissions import IsAuthenticated

from cpahub.core.permissions import CHANGE, DELETE, VIEW, can_add

ACTION_FOR_METHOD = {
    "GET": VIEW,
    "HEAD": VIEW,
    "OPTIONS": VIEW,
    "PUT": CHANGE,
    "PATCH": CHANGE,
    "DELETE": DELETE,
}


def to_drf_error(error: Exception) -> exceptions.APIException:
    if isinstance(error, DjangoPermissionDenied):
        return exceptions.PermissionDenied(str(error) or None)
    if isinstance(error, DjangoValidationError):
        if hasattr(error, "error_dict"):
            return exceptions.ValidationError(
                {k: [m for e in v for m in e.messages] for k, v in error.error_dict.items()}
            )
        return exceptions.ValidationError(error.messages)
    raise error


class RestrictedViewSet(viewsets.GenericViewSet):
    """Subclasses set `queryset_for(user, action)` and optionally create/update via services."""

    permission_classes = [IsAuthenticated]

    def queryset_for(self, user, action):
        return self.queryset.model.objects.restrict(user, action)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset.none()
        action = ACTION_FOR_METHOD.get(self.request.method, CHANGE)
        return self.queryset_for(self.request.user, action)

    def get_object(self):
        try:
            return super().get_object()
        except Http404:
            lookup = {self.lookup_field: self.kwargs.get(self.lookup_url_kwarg or self.lookup_field)}
            model = self.queryset.model
            if model._default_manager.filter(**lookup).exists():
                from cpahub.core.views import log_denied

                log_denied(self.request, f"{model._meta.label}:{lookup}")
            raise

    def check_add(self):
        if not can_add(self.request.user, self.queryset.model):
            raise exceptions.PermissionDenied()

    def run_service(self, function, *args, **kwargs):
        try:
            return function(*args, **kwargs)
        except (DjangoPermissionDenied, DjangoValidationError) as error:
            raise to_drf_error(error) from error


class RestrictedModelViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    RestrictedViewSet,
):
    """List, read, create, change and delete, each through the restriction and the services."""
