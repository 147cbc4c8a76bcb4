"""backup_platform / restore_platform: a city with its layers, reports and photos goes
into one archive and comes back whole in an empty new database."""

from __future__ import annotations

import json
import os
import subprocess
import tarfile
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test import Client

from layers.models import Feature, Layer
from reports.models import Photo, Report
from tenancy.models import City
from tests.ops.pg_cluster import free_port, manage, wait_until
from tests.reports.conftest import INSIDE, photo_bytes, submit

pytestmark = pytest.mark.django_db(transaction=True)


def _url(dbname: str) -> str:
    db = connection.settings_dict
    return f"postgis://{db['USER']}@{db['HOST']}:{db['PORT']}/{dbname}"


@pytest.fixture
def empty_database():
    """A new database on the test cluster (PostGIS comes from template1)."""
    name = f"restore_{os.getpid()}"
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    yield name
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def city_with_reports(tangerang, settings, tmp_path):
    cache.clear()
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("seed_report_categories", stdout=open(os.devnull, "w"))  # noqa: SIM115
    for n in range(2):
        jpeg = SimpleUploadedFile(f"{n}.jpg", photo_bytes(gps=INSIDE), "image/jpeg")
        response = submit(Client(), tangerang, photos=[jpeg])
        assert response.status_code in (200, 201), response.content
    return tangerang


def _serve(env: dict[str, str]) -> tuple[subprocess.Popen, int]:
    port = free_port()
    server = subprocess.Popen(
        [
            str(Path(settings.BASE_DIR) / ".venv/bin/gunicorn"),
            "gis_platform.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
        ],
        cwd=settings.BASE_DIR,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return server, port


def _get_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=30) as response:
        return json.load(response)


def test_backup_restores_into_an_empty_database(
    city_with_reports, empty_database, tmp_path
):
    media = Path(settings.MEDIA_ROOT)
    source = {"DATABASE_URL": _url(connection.settings_dict["NAME"])}
    archive = tmp_path / "petakota.tar"
    source["DJANGO_MEDIA_ROOT"] = str(media)
    manage("backup_platform", str(archive), env=source)
    # Password hashes and reporters' contacts inside: the owner's eyes only.
    assert archive.stat().st_mode & 0o077 == 0
    with tarfile.open(archive) as tar:
        names = tar.getnames()
    photo = Photo.objects.first()
    assert {"manifest.json", "database.dump", f"media/{photo.image.name}"} <= set(names)

    restored_media = tmp_path / "restored-media"
    target = {
        "DATABASE_URL": _url(empty_database),
        "DJANGO_MEDIA_ROOT": str(restored_media),
    }
    output = manage("restore_platform", str(archive), env=target)
    assert "Restored" in output

    # Counted in the restored database by a server running on it.
    server, port = _serve({**target, "DJANGO_ALLOWED_HOSTS": "127.0.0.1"})
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until(lambda: _get_json(f"{base}/healthz") is not None, 60, "serving")
        features = _get_json(
            f"{base}/api/kota-tangerang/layers/rumah-sakit/features?limit=1000"
        )["features"]
        expected = Feature.objects.filter(layer__slug="rumah-sakit").count()
        assert len(features) == expected > 0
        layers = _get_json(f"{base}/api/kota-tangerang/layers/")["layers"]
        assert {x["slug"] for x in layers} >= set(
            Layer.objects.filter(city=city_with_reports).values_list("slug", flat=True)
        )
    finally:
        server.terminate()
        server.wait(timeout=30)

    counts = (
        manage(
            "shell",
            "-c",
            "from tenancy.models import City; from layers.models import Layer, Feature;"
            "from reports.models import Report, Photo;"
            "print(City.objects.count(), Layer.objects.count(),"
            " Feature.objects.count(), Report.objects.count(), Photo.objects.count())",
            env=target,
        )
        .splitlines()[-1]
        .split()
    )
    assert [int(n) for n in counts] == [
        City.objects.count(),
        Layer.objects.count(),
        Feature.objects.count(),
        Report.objects.count(),
        Photo.objects.count(),
    ]
    assert Report.objects.count() == 2
    for photo in Photo.objects.all():
        for field in (photo.original, photo.image, photo.thumbnail):
            restored = restored_media / field.name
            assert restored.read_bytes() == (media / field.name).read_bytes()


def test_restore_refuses_a_database_that_is_not_empty(city_with_reports, tmp_path):
    source = {
        "DATABASE_URL": _url(connection.settings_dict["NAME"]),
        "DJANGO_MEDIA_ROOT": str(settings.MEDIA_ROOT),
    }
    archive = tmp_path / "petakota.tar"
    manage("backup_platform", str(archive), env=source)
    with pytest.raises(AssertionError, match="not empty"):
        manage("restore_platform", str(archive), env=source)
    assert City.objects.count() == 1


def test_restore_refuses_paths_outside_the_media_folder(empty_database, tmp_path):
    archive = tmp_path / "hostile.tar"
    with tarfile.open(archive, "w") as tar:
        manifest = tmp_path / "manifest.json"
        manifest.write_text(
            json.dumps({"format": "petakota-backup/1", "counts": {}, "media_files": 1})
        )
        tar.add(manifest, arcname="manifest.json")
        evil = tmp_path / "evil"
        evil.write_text("x")
        tar.add(evil, arcname="media/../../evil")
        tar.add(evil, arcname="database.dump")
    with pytest.raises(AssertionError):
        manage(
            "restore_platform",
            str(archive),
            env={
                "DATABASE_URL": _url(empty_database),
                "DJANGO_MEDIA_ROOT": str(tmp_path / "m"),
            },
        )
    assert not (tmp_path.parent / "evil").exists()
