"""The change history shown on a client's page: the client's own changes and its contacts'."""

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q

from cpahub.clients.models import Client, ClientContact
from cpahub.core.models import ObjectChange
from cpahub.core.permissions import VIEW


def changes(user, client: Client):
    """Changes the user may read (the core gate decides who reads the log), newest first.

    Contacts are found by the client id in their snapshots, so removed contacts still show.
    """
    client_type = ContentType.objects.get_for_model(Client)
    contact_type = ContentType.objects.get_for_model(ClientContact)
    match = Q(content_type=client_type, object_id=str(client.pk)) | (
        Q(content_type=contact_type) & (Q(after__client=client.pk) | Q(before__client=client.pk))
    )
    return ObjectChange.objects.restrict(user, VIEW).filter(match, owner_id=client.firm_id)
