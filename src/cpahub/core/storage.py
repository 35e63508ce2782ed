"""Helpers over Django's default storage (filesystem or S3-compatible)."""

from __future__ import annotations

import datetime

from django.core.files.storage import default_storage
from django.utils import timezone


def delete_stale(prefix: str, max_age: datetime.timedelta, now: datetime.datetime | None = None) -> int:
    """Delete the files directly under `prefix` last modified more than `max_age` ago; returns how
    many. Files whose time the storage cannot tell are left alone."""
    now = now or timezone.now()
    try:
        _dirs, files = default_storage.listdir(prefix)
    except (FileNotFoundError, NotADirectoryError):
        return 0
    deleted = 0
    for filename in files:
        name = f"{prefix}/{filename}"
        try:
            modified = default_storage.get_modified_time(name)
        except (OSError, NotImplementedError):
            continue
        if timezone.is_naive(modified):
            modified = timezone.make_aware(modified, datetime.UTC)
        if now - modified > max_age:
            default_storage.delete(name)
            deleted += 1
    return deleted
