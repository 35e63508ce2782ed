import tarfile
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError

from cpahub.core.backup import BackupError, verify_archive
from cpahub.registry.models import IndustryCase
from cpahub.testing import factories as f

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def file_db(settings, tmp_path):
    """Files go to a temporary media root; the test database is a file (SQLite) or a server (PostgreSQL)."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path


def test_backup_restore_round_trip(file_db, tmp_path):
    """SQLite through its backup API, PostgreSQL through pg_dump / pg_restore."""
    case = f.IndustryCaseFactory(title="备份前")
    default_storage.save("docs/a.txt", ContentFile(b"hello"))
    call_command("backup", output=str(tmp_path / "out"))
    archive = next((tmp_path / "out").glob("*.tar.gz"))
    IndustryCase.objects.filter(pk=case.pk).update(title="备份后")
    default_storage.delete("docs/a.txt")
    call_command("restore", str(archive), yes=True)
    assert IndustryCase.objects.get(pk=case.pk).title == "备份前"
    assert default_storage.open("docs/a.txt").read() == b"hello"


def test_tampered_archive_is_refused(file_db, tmp_path):
    work = tmp_path / "w"
    work.mkdir()
    (work / "database.sqlite3").write_bytes(b"not really")
    import json

    from cpahub.core.backup import _digests

    manifest = {
        "format": "cpahub-backup-1",
        "members": {"database.sqlite3": _digests(work / "database.sqlite3")},
        "database": "sqlite",
    }
    (work / "manifest.json").write_text(json.dumps(manifest))
    (work / "database.sqlite3").write_bytes(b"changed!!!")
    archive = tmp_path / "a.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(work / "manifest.json", "manifest.json")
        tar.add(work / "database.sqlite3", "database.sqlite3")
    with pytest.raises(BackupError, match="does not match its digest"):
        verify_archive(archive, tmp_path / "x")
    with pytest.raises(CommandError, match="does not match"):
        call_command("restore", str(archive), yes=True)


def test_archive_with_path_traversal_is_refused(file_db, tmp_path):
    evil = tmp_path / "evil.tar.gz"
    payload = tmp_path / "p.txt"
    payload.write_text("x")
    with tarfile.open(evil, "w:gz") as tar:
        tar.add(payload, "../../escaped.txt")
    with pytest.raises(BackupError, match="cannot read the archive"):
        verify_archive(evil, tmp_path / "y")
    assert not (tmp_path.parent / "escaped.txt").exists()


def test_not_an_archive(file_db, tmp_path):
    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(b"\x00" * 100)
    with pytest.raises(BackupError, match="cannot read the archive"):
        verify_archive(junk, tmp_path / "z")
    assert Path(junk).exists()
