"""Save many entries at once and still log each change (bulk updates bypass the change-log signals)."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from cpahub.core.changelog import snapshot
from cpahub.core.context import current_request_id, current_user
from cpahub.core.models import ObjectChange


def save_all(objects: list, before: dict, fields: list[str]) -> None:
    """bulk_update `fields` of `objects` and write one change row each; `before` maps pk -> snapshot."""
    if not objects:
        return
    model = type(objects[0])
    now = timezone.now()
    for obj in objects:
        obj.updated = now
    model.objects.bulk_update(objects, [*fields, "updated"], batch_size=500)
    user = current_user()
    content_type = ContentType.objects.get_for_model(model, for_concrete_model=True)
    changes = []
    for obj in objects:
        after = snapshot(obj)
        if after == before.get(obj.pk):
            continue
        changes.append(
            ObjectChange(
                user=user,
                user_name=user.get_username() if user else "system",
                request_id=current_request_id(),
                action=ObjectChange.Action.UPDATE,
                content_type=content_type,
                object_id=str(obj.pk),
                object_repr=str(obj)[:200],
                owner_id=obj.changelog_owner_id,
                before=before.get(obj.pk),
                after=after,
            )
        )
    ObjectChange.objects.bulk_create(changes, batch_size=500)


def snapshots(objects) -> dict:
    return {obj.pk: snapshot(obj) for obj in objects}
