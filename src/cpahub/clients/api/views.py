"""REST API of clients: everyone in the firm reads; managers, partners and the firm administrator write."""

from rest_framework import exceptions, mixins

from cpahub.clients import filtersets, services
from cpahub.clients.api import serializers
from cpahub.clients.blacklist import Blacklisted
from cpahub.clients.models import BlacklistEntry, Client, ClientContact
from cpahub.core.api.viewsets import RestrictedModelViewSet, RestrictedViewSet


def _refused(error) -> exceptions.ValidationError:
    if isinstance(error, services.DuplicateClient):
        detail = {"credit_code": error.messages}
        if error.visible:
            detail["existing_client"] = [str(error.existing.pk)]
        return exceptions.ValidationError(detail)
    return exceptions.ValidationError(
        {"non_field_errors": error.messages, "blacklist_entry": [str(error.entry.pk)]}
    )


class ClientViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    RestrictedViewSet,
):
    """A firm's clients. A credit code the firm already has, or a blacklisted party, is refused."""

    queryset = Client.objects.all()
    serializer_class = serializers.ClientSerializer
    filterset_class = filtersets.ClientFilterSet
    ordering_fields = ["name", "created", "credit_code"]

    def get_serializer_class(self):
        if self.action in ("update", "partial_update"):
            return serializers.ClientUpdateSerializer
        return super().get_serializer_class()

    def queryset_for(self, user, action):
        return (
            Client.objects.restrict(user, action)
            .select_related("office")
            .prefetch_related("contacts")
            .order_by("name", "pk")
        )

    def perform_create(self, serializer):
        self.check_add()
        data = dict(serializer.validated_data)
        firm = data.pop("firm", None) or services.client_firms(self.request.user).first()
        try:
            client = self.run_service(services.create_client, self.request.user, firm=firm, **data)
        except exceptions.ValidationError as error:
            raise self._detail(error) from error
        serializer.instance = client

    def perform_update(self, serializer):
        try:
            self.run_service(
                services.update_client, self.request.user, serializer.instance, **serializer.validated_data
            )
        except exceptions.ValidationError as error:
            raise self._detail(error) from error

    def _detail(self, error):
        cause = error.__cause__
        if isinstance(cause, services.DuplicateClient | Blacklisted):
            return _refused(cause)
        return error


class ContactViewSet(RestrictedModelViewSet):
    """Contacts of the clients the user sees; filter with `?client=<id>`."""

    queryset = ClientContact.objects.all()
    serializer_class = serializers.ContactSerializer
    filterset_class = filtersets.ContactFilterSet
    ordering_fields = ["name", "created"]

    def get_serializer_class(self):
        if self.action in ("update", "partial_update"):
            return serializers.ContactUpdateSerializer
        return super().get_serializer_class()

    def queryset_for(self, user, action):
        return (
            ClientContact.objects.restrict(user, action)
            .select_related("client")
            .order_by("client", "-primary", "name")
        )

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        client = data.pop("client")
        serializer.instance = self.run_service(services.save_contact, self.request.user, client, None, **data)

    def perform_update(self, serializer):
        contact = serializer.instance
        self.run_service(
            services.save_contact, self.request.user, contact.client, contact, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        self.run_service(services.remove_contact, self.request.user, instance)


class BlacklistViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, RestrictedViewSet):
    """The firm's client blacklist (read only; kept on the blacklist pages)."""

    queryset = BlacklistEntry.objects.all()
    serializer_class = serializers.BlacklistEntrySerializer
    filterset_class = filtersets.BlacklistFilterSet

    def queryset_for(self, user, action):
        return BlacklistEntry.objects.restrict(user, action).order_by("name", "pk")
