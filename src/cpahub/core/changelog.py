"""Automatic change log: every save and delete of a ChangeLoggedModel writes an ObjectChange.

Signals are used here and only here (the generic change log is the one thing they are for). Bulk
operations bypass signals; code that uses them calls `record()` itself.
"""

from __future__ import annotations

import datetime
import decimal
import uuid

from django.contrib.contenttypes.models import ContentType
from django.db.models.signals import post_delete, post_save, pre_save

from cpahub.core.context import current_request_id, current_user

MASK = "******"


def snapshot(obj) -> dict:
    data = {}
    for field in obj._meta.concrete_fields:
        if (
            getattr(field, "changelog_exclude", False)
            or getattr(field, "auto_now", False)
            or getattr(field, "auto_now_add", False)
        ):
            continue  # automatic timestamps: the change row has the time
        value = getattr(obj, field.attname)
        if getattr(field, "sensitive", False):
            data[field.name] = MASK if value else ""
            continue
        data[field.name] = _jsonable(value)
    return data


def _jsonable(value):
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, bytes):
        return value.hex()
    if hasattr(value, "name") and hasattr(value, "storage"):  # FieldFile
        return value.name or ""
    return value


def record(obj, action: str, before: dict | None, after: dict | None):
    from cpahub.core.models import ObjectChange

    user = current_user()
    return ObjectChange.objects.create(
        user=user,
        user_name=user.get_username() if user else "system",
        request_id=current_request_id(),
        action=action,
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=True),
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        owner_id=obj.changelog_owner_id,
        before=before,
        after=after,
    )


def _is_logged(sender) -> bool:
    from cpahub.core.models import ChangeLoggedModel

    return issubclass(sender, ChangeLoggedModel) and not sender._meta.proxy


def _pre_save(sender, instance, raw, **kwargs):
    if raw or not _is_logged(sender):
        return
    previous = None
    if instance.pk is not None and not instance._state.adding:
        old = sender._base_manager.filter(pk=instance.pk).first()
        previous = snapshot(old) if old is not None else None
    instance._changelog_before = previous


def _post_save(sender, instance, created, raw, **kwargs):
    if raw or not _is_logged(sender):
        return
    before = getattr(instance, "_changelog_before", None)
    after = snapshot(instance)
    if not created and before == after:
        return  # a save that changed nothing is not a change
    record(instance, "create" if created else "update", None if created else before, after)
    instance._changelog_before = after


def _post_delete(sender, instance, **kwargs):
    if not _is_logged(sender):
        return
    record(instance, "delete", snapshot(instance), None)


def connect_signals():
    pre_save.connect(_pre_save, dispatch_uid="cpahub_changelog_pre_save")
    post_save.connect(_post_save, dispatch_uid="cpahub_changelog_post_save")
    post_delete.connect(_post_delete, dispatch_uid="cpahub_changelog_post_delete")
