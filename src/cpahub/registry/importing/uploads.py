"""Uploaded files between the steps of a web import.

The file goes to Django's default storage as `imports/<uuid>` (never a raw path), and the session
holds what is known about it: who may see it is whoever owns the session, so a forged or guessed
id finds nothing. The check's result is kept beside it as `imports/<uuid>.json`. Both are deleted
after the import is applied or discarded, and anything older than 24 hours is removed by
`cleanup_stale_uploads()` (run on every upload; schedule it too, see docs/registry-import.md).
"""

from __future__ import annotations

import datetime
import hashlib
import json
import logging
import uuid

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from cpahub.core.storage import delete_stale

logger = logging.getLogger(__name__)

PREFIX = "imports"
SESSION_KEY = "registry_imports"
MAX_AGE = datetime.timedelta(hours=24)
MAX_PENDING = 5


def _file_name(token: str) -> str:
    return f"{PREFIX}/{token}"


def _report_name(token: str) -> str:
    return f"{PREFIX}/{token}.json"


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def save_upload(request, kind: str, data: bytes, filename: str) -> str:
    """Store the bytes and remember them in the session; returns the upload's token."""
    token = uuid.uuid4().hex
    name = default_storage.save(_file_name(token), ContentFile(data))
    entries = request.session.get(SESSION_KEY, {})
    entries[token] = {
        "name": name,
        "kind": kind,
        "filename": filename[:200],
        "size": len(data),
        "sha256": digest(data),
        "uploaded": timezone.now().isoformat(),
        "sheet": None,
        "mapping": None,
        "checked": None,
    }
    # Keep a handful per session; the oldest ones go.
    for old in sorted(entries, key=lambda t: entries[t]["uploaded"])[:-MAX_PENDING]:
        _delete(old, entries.pop(old))
    request.session[SESSION_KEY] = entries
    return token


def get_upload(request, token: str) -> dict | None:
    """The session's entry for `token`, or None (unknown, someone else's, or older than 24 hours)."""
    entry = request.session.get(SESSION_KEY, {}).get(token)
    if entry is None:
        return None
    uploaded = datetime.datetime.fromisoformat(entry["uploaded"])
    if timezone.now() - uploaded > MAX_AGE:
        discard_upload(request, token)
        return None
    return entry


def update_upload(request, token: str, **changes) -> None:
    entries = request.session.get(SESSION_KEY, {})
    if token in entries:
        entries[token].update(changes)
        request.session[SESSION_KEY] = entries
        request.session.modified = True


def read_upload(entry: dict) -> bytes:
    with default_storage.open(entry["name"], "rb") as handle:
        return handle.read()


def discard_upload(request, token: str) -> None:
    entries = request.session.get(SESSION_KEY, {})
    entry = entries.pop(token, None)
    if entry is not None:
        _delete(token, entry)
        request.session[SESSION_KEY] = entries


def _delete(token: str, entry: dict) -> None:
    for name in (entry.get("name") or _file_name(token), _report_name(token)):
        try:
            if default_storage.exists(name):
                default_storage.delete(name)
        except OSError:  # pragma: no cover - storage trouble must not break the page
            logger.warning("could not delete %s", name, exc_info=True)


def save_report(token: str, report: dict) -> None:
    name = _report_name(token)
    if default_storage.exists(name):
        default_storage.delete(name)
    default_storage.save(name, ContentFile(json.dumps(report, ensure_ascii=False).encode("utf-8")))


def load_report(token: str) -> dict | None:
    name = _report_name(token)
    if not default_storage.exists(name):
        return None
    with default_storage.open(name, "rb") as handle:
        return json.loads(handle.read().decode("utf-8"))


def cleanup_stale_uploads(max_age: datetime.timedelta = MAX_AGE, now: datetime.datetime | None = None) -> int:
    """Delete stored import files older than `max_age`; returns how many were deleted."""
    return delete_stale(PREFIX, max_age, now)


def finish(request, session_key: str, token: str, summary: dict) -> None:
    """An import was applied: keep its summary in the session (the last five) and drop its file."""
    done = dict(list(request.session.get(session_key, {}).items())[-4:])
    done[token] = summary
    request.session[session_key] = done
    discard_upload(request, token)
