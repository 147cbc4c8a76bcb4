"""Whole-platform backup and restore: the database (pg_dump's custom format) and the
media files (report photos, uploads) in one tar archive, with a manifest of what it
holds so a restore can check it got everything back.

The counts in the manifest and the dump come from one database snapshot (the dump runs
with `--snapshot` of the transaction that counted). Media files are copied after the
dump, so a photo the database names is in the archive unless it was deleted meanwhile.
Cached tiles and the shared cache are left out (they are rebuilt on demand).
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import IO, Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Model

FORMAT = "petakota-backup/1"
MANIFEST = "manifest.json"
DUMP = "database.dump"
MEDIA = "media"


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why."""


# What a backup counts, by app label and model name: the platform package names the
# apps' models without importing them (it sits below every app).
COUNTED = {
    "cities": "tenancy.City",
    "admin_areas": "tenancy.AdminArea",
    "layers": "layers.Layer",
    "features": "layers.Feature",
    "reports": "reports.Report",
    "photos": "reports.Photo",
    "import_jobs": "importers.ImportJob",
}


def _counted_models() -> dict[str, type[Model]]:
    from django.apps import apps
    from django.contrib.auth import get_user_model

    models = {name: apps.get_model(label) for name, label in COUNTED.items()}
    return {**models, "users": get_user_model()}


def row_counts() -> dict[str, int]:
    return {
        name: model._default_manager.count()
        for name, model in _counted_models().items()
    }


@dataclass(frozen=True)
class _Target:
    name: str
    user: str
    password: str
    host: str
    port: str

    @classmethod
    def default(cls) -> _Target:
        db = settings.DATABASES["default"]
        return cls(
            name=db["NAME"],
            user=db.get("USER") or "",
            password=db.get("PASSWORD") or "",
            host=db.get("HOST") or "",
            port=str(db.get("PORT") or ""),
        )

    def args(self) -> list[str]:
        out = ["--dbname", self.name]
        if self.host:
            out += ["--host", self.host]
        if self.port:
            out += ["--port", self.port]
        if self.user:
            out += ["--username", self.user]
        return [*out, "--no-password"]

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        if self.password:
            env["PGPASSWORD"] = self.password
        return env


def _client(program: str) -> str:
    """The PostgreSQL client matching the server's major version (else the newest
    installed, which reads older servers and archives)."""
    connection.ensure_connection()
    major = connection.connection.info.server_version // 10000
    for candidate in (
        Path(f"/usr/lib/postgresql/{major}/bin/{program}"),
        *sorted(
            Path("/usr/lib/postgresql").glob(f"*/bin/{program}"),
            key=lambda p: int(p.parts[-3]) if p.parts[-3].isdigit() else 0,
            reverse=True,
        ),
    ):
        if candidate.is_file():
            return str(candidate)
    found = shutil.which(program)
    if not found:
        raise BackupError(f"{program} is not installed (Debian: postgresql-client).")
    return found


def _run(command: list[str], target: _Target) -> None:
    result = subprocess.run(  # noqa: S603 - fixed program, arguments from settings
        command, env=target.env(), capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {result.stderr.strip()}")


def _media_files(root: Path) -> list[Path]:
    if not root.is_dir():
        return []
    return sorted(
        path for path in root.rglob("*") if path.is_file() and not path.is_symlink()
    )


def backup_platform(
    archive: Path, *, progress: Callable[[str], None] = lambda _: None
) -> dict[str, Any]:
    """Write the database and the media files to `archive`; return the manifest."""
    from django.apps import apps

    target = _Target.default()
    media_root = Path(settings.MEDIA_ROOT)
    skipped_data = [
        apps.get_model("layers.TileCache")._meta.db_table,
        settings.CACHES["default"]["LOCATION"],
    ]
    archive = archive.resolve()
    partial = archive.with_name(archive.name + ".partial")
    pg_dump = _client("pg_dump")
    with tempfile.TemporaryDirectory(prefix="petakota-backup-") as tmp:
        dump = Path(tmp) / DUMP
        with transaction.atomic(), connection.cursor() as cursor:
            # One snapshot for the counts and the dump.
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            counts = row_counts()
            progress(f"Dumping database {target.name}")
            _run(
                [
                    pg_dump,
                    *target.args(),
                    "--format=custom",
                    f"--snapshot={snapshot}",
                    "--no-owner",
                    "--no-privileges",
                    *(f"--exclude-table-data={table}" for table in skipped_data),
                    f"--file={dump}",
                ],
                target,
            )
        files = _media_files(media_root)
        manifest = {
            "format": FORMAT,
            "created_at": datetime.now(UTC).isoformat(),
            "database": target.name,
            "counts": counts,
            "media_files": len(files),
        }
        progress(f"Writing {archive.name} ({len(files)} media files)")
        # The archive holds password hashes and reporters' contact details: readable
        # by its owner only, from the first byte.
        partial.unlink(missing_ok=True)
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w") as tar:
            _add_bytes(tar, MANIFEST, json.dumps(manifest, indent=2).encode())
            tar.add(dump, arcname=DUMP)
            for path in files:
                relative = path.relative_to(media_root).as_posix()
                tar.add(path, arcname=f"{MEDIA}/{relative}", recursive=False)
    # A crash midway leaves a .partial file, never a truncated archive by the name.
    partial.replace(archive)
    return manifest


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(datetime.now(UTC).timestamp())
    tar.addfile(info, io.BytesIO(data))


def _database_is_empty() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('public.django_migrations') IS NULL")
        return cursor.fetchone()[0]


def _media_target(root: Path, name: str) -> Path:
    """Where archive member `name` (media/...) goes, refusing any path that would
    leave the media folder."""
    parts = PurePosixPath(name).parts
    if (
        len(parts) < 2
        or parts[0] != MEDIA
        or any(part in ("", ".", "..") for part in parts[1:])
        or PurePosixPath(name).is_absolute()
    ):
        raise BackupError(f"the archive holds an unsafe path: {name!r}")
    target = root.joinpath(*parts[1:])
    if not target.resolve().is_relative_to(root.resolve()):
        raise BackupError(f"the archive holds an unsafe path: {name!r}")
    return target


def _copy(source: IO[bytes], target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("wb") as out:
        shutil.copyfileobj(source, out)


def restore_platform(
    archive: Path, *, progress: Callable[[str], None] = lambda _: None
) -> dict[str, Any]:
    """Restore `archive` into the configured database, which must be empty (a new
    database), and its media files into MEDIA_ROOT; check the counts came back."""
    target = _Target.default()
    media_root = Path(settings.MEDIA_ROOT)
    if not _database_is_empty():
        raise BackupError(
            f"database {target.name} is not empty: restore into a new database "
            "(createdb NAME, then DATABASE_URL=postgis://.../NAME)."
        )
    try:
        tar = tarfile.open(archive, "r:")  # noqa: SIM115 - closed below
    except (OSError, tarfile.TarError) as exc:
        raise BackupError(f"{archive} is not a PetaKota backup: {exc}") from None
    with tar, tempfile.TemporaryDirectory(prefix="petakota-restore-") as tmp:
        manifest = _read_manifest(tar)
        # Every member checked before anything is written.
        for info in tar.getmembers():
            if info.name in (MANIFEST, DUMP) and info.isfile():
                continue
            if not (info.isfile() or info.isdir()):
                raise BackupError(f"the archive holds a link or device: {info.name!r}")
            _media_target(media_root, info.name)
        dump = Path(tmp) / DUMP
        member = tar.extractfile(DUMP)
        if member is None:
            raise BackupError("the archive has no database dump")
        with member:
            _copy(member, dump)
        progress(f"Restoring database into {target.name}")
        _run(
            [
                _client("pg_restore"),
                *target.args(),
                "--no-owner",
                "--no-privileges",
                # Comments on extensions need their owner; the platform has no others.
                "--no-comments",
                "--exit-on-error",
                "--single-transaction",
                str(dump),
            ],
            target,
        )
        restored = 0
        for info in tar:
            if not info.name.startswith(f"{MEDIA}/") or not info.isfile():
                continue
            source = tar.extractfile(info)
            if source is None:
                continue
            with source:
                _copy(source, _media_target(media_root, info.name))
            restored += 1
        progress(f"Restored {restored} media files into {media_root}")
    counts = row_counts()
    if counts != manifest["counts"] or restored != manifest["media_files"]:
        raise BackupError(
            f"the restore does not match the backup: {counts} and {restored} files, "
            f"expected {manifest['counts']} and {manifest['media_files']} files"
        )
    return manifest


def _read_manifest(tar: tarfile.TarFile) -> dict[str, Any]:
    try:
        member = tar.extractfile(MANIFEST)
    except KeyError:
        member = None
    if member is None:
        raise BackupError("the archive has no manifest: not a PetaKota backup")
    with member:
        manifest = json.load(member)
    if manifest.get("format") != FORMAT:
        raise BackupError(f"unknown backup format {manifest.get('format')!r}")
    return manifest
