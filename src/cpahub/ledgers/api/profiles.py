"""REST API of mapping profiles: the same rules as the pages (built-in and shared ones readable by
everyone signed in, a firm's own by its people; writes through `ledgers.profiles`)."""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from cpahub.accounts.models import Organisation
from cpahub.core.api.viewsets import RestrictedModelViewSet
from cpahub.core.permissions import VIEW
from cpahub.ledgers import profiles
from cpahub.ledgers.filtersets import ProfileFilterSet
from cpahub.ledgers.models import MappingProfile

WRITABLE = ("name", "kind", "software", "notes", "columns", "options", "shared")


class MappingProfileSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    organisation = serializers.PrimaryKeyRelatedField(
        queryset=Organisation.objects.none(),
        required=False,
        allow_null=True,
        help_text=_("The firm that owns the profile (only when making one and working in several firms)."),
    )
    organisation_name = serializers.SerializerMethodField()
    columns = serializers.DictField(
        child=serializers.CharField(), help_text=_("Source header → canonical field (or ignore).")
    )
    options = serializers.DictField(required=False, help_text=_("Reader options (encoding, delimiter …)."))

    class Meta:
        model = MappingProfile
        fields = [
            "id",
            "name",
            "kind",
            "kind_display",
            "software",
            "notes",
            "organisation",
            "organisation_name",
            "shared",
            "builtin",
            "columns",
            "options",
            "created",
            "updated",
        ]
        read_only_fields = ["builtin", "created", "updated"]
        validators = []  # the service checks names (per firm, any case) and content

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None and request.user.is_authenticated:
            self.fields["organisation"].queryset = profiles.editor_firms(request.user)

    def get_organisation_name(self, profile) -> str:
        return profile.organisation.name if profile.organisation_id else ""


class CloneSerializer(serializers.Serializer):
    name = serializers.CharField(required=False, allow_blank=True, max_length=100)
    organisation = serializers.PrimaryKeyRelatedField(
        queryset=Organisation.objects.none(), required=False, allow_null=True
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None and request.user.is_authenticated:
            self.fields["organisation"].queryset = profiles.editor_firms(request.user)


class MappingProfileViewSet(RestrictedModelViewSet):
    """Mapping profiles of CSV/Excel exports: built-in, shared by firms, and the user's firm's own."""

    queryset = MappingProfile.objects.select_related("organisation")
    serializer_class = MappingProfileSerializer
    filterset_class = ProfileFilterSet
    ordering_fields = ["name", "software", "updated"]

    def queryset_for(self, user, action):
        return MappingProfile.objects.restrict(user, action).select_related("organisation")

    def get_object(self):
        try:
            return super().get_object()
        except Http404:
            pk = self.kwargs.get("pk")
            if (
                self.request.method not in ("GET", "HEAD", "OPTIONS")
                and self.visible().filter(pk=pk).exists()
            ):
                raise exceptions.PermissionDenied(_("You may not change this profile.")) from None
            raise

    def visible(self):
        return MappingProfile.objects.restrict(self.request.user, VIEW)

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = self.run_service(
            profiles.create_profile,
            self.request.user,
            organisation=data.get("organisation"),
            **{k: data[k] for k in WRITABLE if k in data},
        )

    def perform_update(self, serializer):
        data = serializer.validated_data
        organisation = data.get("organisation")
        if organisation is not None and organisation.pk != serializer.instance.organisation_id:
            raise exceptions.ValidationError(
                {"organisation": [_("A profile stays with its firm; copy it instead.")]}
            )
        changes = {k: data[k] for k in WRITABLE if k in data}
        serializer.instance = self.run_service(
            profiles.update_profile, self.request.user, serializer.instance, **changes
        )

    def perform_destroy(self, instance):
        self.run_service(profiles.delete_profile, self.request.user, instance)

    @extend_schema(request=CloneSerializer, responses={201: MappingProfileSerializer})
    @action(detail=True, methods=["post"], filter_backends=[])
    def clone(self, request, pk=None):
        """Copy a visible profile (built-in, shared or the firm's) into the firm's own profiles."""
        source = self.visible().filter(pk=pk).first()
        if source is None:
            raise exceptions.NotFound()
        payload = CloneSerializer(data=request.data, context={"request": request})
        payload.is_valid(raise_exception=True)
        copy = self.run_service(
            profiles.clone_profile,
            request.user,
            source,
            organisation=payload.validated_data.get("organisation"),
            name=payload.validated_data.get("name", ""),
        )
        data = MappingProfileSerializer(copy, context={"request": request}).data
        return Response(data, status=status.HTTP_201_CREATED)
