"""Sample exports uploaded to make a mapping profile, kept between the steps of the profile editor.

Only the start of a sample is kept (`formats.tabular.sample.trim`): its first lines or rows, which may
still be client data. It goes to Django's default storage as `ledger-profile-samples/<uuid>` (never
a name from the upload), and the session says whose it is: a guessed or forged token finds nothing.
A sample is deleted when its profile is saved or the editor is left through "Cancel", when the
session holds too many, and in any case after a day (`cleanup_stale_samples()`, run on every
sample upload).
"""

from __future__ import annotations

import contextlib
import datetime
import logging
import shutil
import tempfile
import uuid
from pathlib import Path

from django.core.files import File
from django.core.files.storage import default_storage
from django.utils import timezone

from cpahub.core.storage import delete_stale
from cpahub.ledgers.formats.tabular import sample

logger = logging.getLogger(__name__)

PREFIX = "ledger-profile-samples"
SESSION_KEY = "ledger_profile_samples"
MAX_AGE = datetime.timedelta(hours=24)
MAX_PENDING = 3


def save_sample(request, uploaded) -> str:
    """Trim and store an uploaded sample (a Django UploadedFile); returns its token.

    FormatError when it is not one CSV or Excel file, or cannot be read at all."""
    cleanup_stale_samples()
    token = uuid.uuid4().hex
    filename = Path(uploaded.name or "sample").name[:200]
    with tempfile.TemporaryDirectory(prefix="cpahub-sample-") as folder:
        source = Path(folder) / "upload"
        with source.open("wb") as out:
            for chunk in uploaded.chunks():
                out.write(chunk)
        trimmed = sample.trim(source, Path(folder) / "sample")
        display = _display_name(filename, trimmed.suffix)
        local = trimmed.rename(trimmed.with_name(display))
        sample.sample_tables(local, {})  # readable at all, else FormatError now
        with local.open("rb") as handle:
            name = default_storage.save(f"{PREFIX}/{token}{trimmed.suffix}", File(handle))
    entries = request.session.get(SESSION_KEY, {})
    entries[token] = {"name": name, "filename": display, "uploaded": timezone.now().isoformat()}
    for old in sorted(entries, key=lambda t: entries[t]["uploaded"])[:-MAX_PENDING]:
        _delete(entries.pop(old))
    request.session[SESSION_KEY] = entries
    return token


def _display_name(filename: str, suffix: str) -> str:
    """The uploaded name, with the suffix of what was kept (.csv for any text file)."""
    path = Path(filename)
    stem = path.stem if path.suffix else filename
    return f"{stem or 'sample'}{suffix}"


def get_sample(request, token: str | None) -> dict | None:
    """The session's sample `token`, or None (unknown, another session's, older than a day, gone)."""
    if not token:
        return None
    entry = request.session.get(SESSION_KEY, {}).get(str(token))
    if entry is None:
        return None
    uploaded = datetime.datetime.fromisoformat(entry["uploaded"])
    if timezone.now() - uploaded > MAX_AGE or not default_storage.exists(entry["name"]):
        discard_sample(request, token)
        return None
    return entry


@contextlib.contextmanager
def sample_path(entry: dict):
    """A local copy of the stored sample, under the name the user gave it (shown in locations)."""
    folder = Path(tempfile.mkdtemp(prefix="cpahub-sample-"))
    try:
        target = folder / entry["filename"]
        with default_storage.open(entry["name"], "rb") as source, target.open("wb") as out:
            shutil.copyfileobj(source, out)
        yield target
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def discard_sample(request, token: str | None) -> None:
    entries = request.session.get(SESSION_KEY, {})
    entry = entries.pop(str(token), None) if token else None
    if entry is not None:
        _delete(entry)
        request.session[SESSION_KEY] = entries


def _delete(entry: dict) -> None:
    try:
        if default_storage.exists(entry["name"]):
            default_storage.delete(entry["name"])
    except OSError:  # storage trouble must not break the page; the daily cleanup retries
        logger.warning("could not delete %s", entry["name"], exc_info=True)


def cleanup_stale_samples(max_age: datetime.timedelta = MAX_AGE, now: datetime.datetime | None = None) -> int:
    """Delete stored samples older than `max_age`; returns how many were deleted."""
    return delete_stale(PREFIX, max_age, now)
