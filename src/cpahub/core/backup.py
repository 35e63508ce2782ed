"""Back up and restore the database and the stored files as one verified archive.

SQLite is copied with SQLite's online backup API (consistent while the site runs); PostgreSQL with
`pg_dump --format=custom`. Files come from the filesystem storage. A manifest lists every member
with SM3 and SHA-256 digests; restore refuses an archive whose digests do not match.
The field-encryption key (CPAHUB_FIELD_KEY) is NOT in the archive: keep it separately.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.utils import timezone

from cpahub.core.crypto import sm3_file_hex

FORMAT = "cpahub-backup-1"


class BackupError(Exception):
    pass


def _digests(path: Path) -> dict:
    import hashlib

    sha = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            sha.update(chunk)
    with path.open("rb") as handle:
        sm3 = sm3_file_hex(handle)
    return {"sha256": sha.hexdigest(), "sm3": sm3, "bytes": path.stat().st_size}


def _pg_env(db: dict) -> dict:
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    return env


def _pg_args(db: dict) -> list[str]:
    args = []
    if db.get("HOST"):
        args += ["-h", db["HOST"]]
    if db.get("PORT"):
        args += ["-p", str(db["PORT"])]
    if db.get("USER"):
        args += ["-U", db["USER"]]
    return args


def _dump_database(target_dir: Path) -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        target = target_dir / "database.sqlite3"
        source = sqlite3.connect(str(db["NAME"]))
        dest = sqlite3.connect(str(target))
        with dest:
            source.backup(dest)
        source.close()
        dest.close()
        return target.name
    if connection.vendor == "postgresql":
        target = target_dir / "database.pgdump"
        subprocess.run(
            ["pg_dump", "--format=custom", "--no-owner", *_pg_args(db), "-f", str(target), db["NAME"]],
            check=True,
            env=_pg_env(db),
            capture_output=True,
        )
        return target.name
    raise BackupError(f"backing up {connection.vendor} is not supported")


def _media_root() -> Path | None:
    backend = settings.STORAGES["default"]["BACKEND"]
    return Path(settings.MEDIA_ROOT) if backend.endswith("FileSystemStorage") else None


def create_backup(output_dir: Path) -> Path:
    from django.db.migrations.recorder import MigrationRecorder

    output_dir.mkdir(parents=True, exist_ok=True)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    archive = output_dir / f"cpahub-backup-{stamp}.tar.gz"
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        database_member = _dump_database(work)
        members = {database_member: _digests(work / database_member)}
        media = _media_root()
        if media is not None and media.exists():
            for path in sorted(p for p in media.rglob("*") if p.is_file()):
                members["media/" + path.relative_to(media).as_posix()] = _digests(path)
        applied = MigrationRecorder(connection).applied_migrations()
        manifest = {
            "format": FORMAT,
            "created": timezone.now().isoformat(),
            "database": connection.vendor,
            "migrations": sorted(f"{app}.{name}" for app, name in applied),
            "members": members,
            "files_in_object_storage": media is None,
        }
        (work / "manifest.json").write_text(
            json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8"
        )
        with tarfile.open(archive, "w:gz") as tar:
            tar.add(work / "manifest.json", "manifest.json")
            tar.add(work / database_member, database_member)
            if media is not None and media.exists():
                tar.add(media, "media")
    return archive


def verify_archive(archive: Path, into: Path) -> dict:
    """Extract `archive` into `into` and check every digest; return the manifest."""
    try:
        with tarfile.open(archive, "r:gz") as tar:
            tar.extractall(into, filter="data")  # refuses absolute paths, .., links out of the tree
    except (tarfile.TarError, OSError, EOFError) as error:
        raise BackupError(f"cannot read the archive: {error}") from error
    manifest_path = into / "manifest.json"
    if not manifest_path.exists():
        raise BackupError("the archive has no manifest.json")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    if manifest.get("format") != FORMAT:
        raise BackupError(f"unknown backup format {manifest.get('format')!r}")
    for name, expected in manifest["members"].items():
        path = into / name
        if not path.is_file():
            raise BackupError(f"{name} is listed in the manifest but missing")
        actual = _digests(path)
        if actual != expected:
            raise BackupError(f"{name} does not match its digest: the archive was altered or damaged")
    return manifest


def restore_backup(archive: Path) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        manifest = verify_archive(archive, work)
        if manifest["database"] != connection.vendor:
            raise BackupError(
                f"this is a {manifest['database']} backup; the site runs on {connection.vendor}"
            )
        db = connection.settings_dict
        if connection.vendor == "sqlite":
            connection.close()
            source = sqlite3.connect(str(work / "database.sqlite3"))
            dest = sqlite3.connect(str(db["NAME"]))
            with dest:
                source.backup(dest)
            source.close()
            dest.close()
        else:
            connection.close()
            subprocess.run(
                [
                    "pg_restore",
                    "--clean",
                    "--if-exists",
                    "--no-owner",
                    "--single-transaction",
                    *_pg_args(db),
                    "-d",
                    db["NAME"],
                    str(work / "database.pgdump"),
                ],
                check=True,
                env=_pg_env(db),
                capture_output=True,
            )
        media = _media_root()
        if media is not None and (work / "media").exists():
            media.mkdir(parents=True, exist_ok=True)
            shutil.copytree(work / "media", media, dirs_exist_ok=True)
    return manifest
