"""Upload through the token API, run by a real procrastinate worker process, and the
permission rules: only your agency's layers, only your city's jobs."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from importers.models import ImportJob
from layers.models import Feature
from tenancy.models import Role
from tests.factories import (
    AgencyFactory,
    CityFactory,
    LayerFactory,
    MembershipFactory,
    UserFactory,
)
from tests.importers.conftest import write


def run_worker(**extra_env: str) -> subprocess.CompletedProcess:
    """A real worker process on the test database; exits when the queue is empty."""
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgis://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        **extra_env,
    }
    return subprocess.run(
        [
            sys.executable,
            "manage.py",
            "procrastinate",
            "worker",
            "--queues",
            "imports",
            "--one-shot",
        ],
        cwd=django_settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture
def editor(city, agency):
    user = UserFactory()
    MembershipFactory(user=user, city=city, agency=agency, role=Role.AGENCY_EDITOR)
    return user


@pytest.fixture
def api(editor):
    client = APIClient()
    token = Token.objects.create(user=editor)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def _upload(points, tmp_path, name="fasilitas.geojson"):
    path = write(points, tmp_path / name)
    handle = io.BytesIO(path.read_bytes())
    handle.name = name
    return handle


@pytest.mark.django_db(transaction=True)
def test_api_upload_is_imported_by_the_worker(api, city, layer, points, tmp_path):
    response = api.post(
        f"/api/{city.slug}/imports/",
        {
            "file": _upload(points, tmp_path),
            "layer": layer.slug,
            "mode": "upsert",
            "key": "kode",
        },
        format="multipart",
    )
    assert response.status_code == 202, response.content
    job = response.json()
    # The request only stores the upload: the worker checks it, then imports it.
    assert job["status"] == "checking"
    assert job["preview"] == {}

    result = run_worker()
    assert result.returncode == 0, result.stderr

    done = api.get(f"/api/{city.slug}/imports/{job['id']}").json()
    assert done["status"] == "succeeded", done
    assert done["preview"]["count"] == 3
    assert len(done["preview"]["features"]["features"]) == 3
    assert done["percent"] == 100
    assert done["report"]["inserted"] == 3
    assert Feature.objects.filter(layer=layer).count() == 3
    stored = ImportJob.objects.get(pk=job["id"])
    assert stored.file.path.startswith(str(django_settings.MEDIA_ROOT))
    rejected = api.get(done["rejected_csv"])
    assert rejected.status_code == 200
    body = b"".join(rejected.streaming_content).decode()
    assert body.splitlines() == ["row,reason"]


@pytest.mark.django_db(transaction=True)
def test_failed_job_reports_the_reason(api, city, layer, points, tmp_path):
    far = points.set_geometry(points.geometry.translate(-14, 0))
    response = api.post(
        f"/api/{city.slug}/imports/",
        {"file": _upload(far, tmp_path), "layer": layer.slug},
        format="multipart",
    )
    assert response.status_code == 202
    assert run_worker().returncode == 0
    job = ImportJob.objects.get(pk=response.json()["id"])
    assert job.status == ImportJob.Status.FAILED
    assert "No feature lies in or near" in job.error
    assert not Feature.objects.filter(layer=layer).exists()


def test_api_needs_a_token(city, layer, points, tmp_path):
    response = APIClient().post(
        f"/api/{city.slug}/imports/", {"file": _upload(points, tmp_path)}
    )
    assert response.status_code in (401, 403)


def test_another_agencys_layer_is_refused(api, city, points, tmp_path):
    other = LayerFactory(city=city, agency=AgencyFactory(city=city), slug="milik-lain")
    response = api.post(
        f"/api/{city.slug}/imports/",
        {"file": _upload(points, tmp_path), "layer": other.slug},
        format="multipart",
    )
    assert response.status_code == 403
    assert not ImportJob.objects.exists()


def test_another_citys_jobs_and_layers_are_refused(api, city, layer, points, tmp_path):
    response = api.post(
        f"/api/{city.slug}/imports/",
        {"file": _upload(points, tmp_path), "layer": layer.slug, "confirm": "false"},
        format="multipart",
    )
    job_id = response.json()["id"]
    elsewhere = CityFactory()
    assert api.get(f"/api/{elsewhere.slug}/imports/{job_id}").status_code == 404
    assert (
        api.post(f"/api/{elsewhere.slug}/imports/{job_id}/confirm").status_code == 404
    )
    response = api.post(
        f"/api/{elsewhere.slug}/imports/",
        {"file": _upload(points, tmp_path), "layer": layer.slug},
        format="multipart",
    )
    assert response.status_code == 403
    # Another editor of the same city but another agency cannot see the job.
    stranger = UserFactory()
    MembershipFactory(
        user=stranger,
        city=city,
        agency=AgencyFactory(city=city),
        role=Role.AGENCY_EDITOR,
    )
    client = APIClient()
    client.force_authenticate(stranger)
    assert client.get(f"/api/{city.slug}/imports/{job_id}").status_code == 404


@pytest.mark.django_db(transaction=True)
def test_unreadable_upload_fails_with_the_reason_and_is_not_kept(
    api, city, layer, tmp_path
):
    bad = io.BytesIO(b"<html>nope</html>")
    bad.name = "data.geojson"
    response = api.post(
        f"/api/{city.slug}/imports/",
        {"file": bad, "layer": layer.slug},
        format="multipart",
    )
    assert response.status_code == 202
    folder = Path(ImportJob.objects.get().file.path).parent
    assert folder.exists()
    assert run_worker().returncode == 0
    job = api.get(f"/api/{city.slug}/imports/{response.json()['id']}").json()
    assert job["status"] == "failed"
    assert "is not GeoJSON" in job["error"]
    assert job["finished_at"]
    assert not folder.exists()
    assert not Feature.objects.filter(layer=layer).exists()


@pytest.mark.django_db(transaction=True)
def test_worker_loads_a_whole_layer_into_its_own_partition(
    api, city, layer, points, tmp_path
):
    """The worker takes the big-import path too (threshold lowered for the test)."""
    from layers import partitions

    response = api.post(
        f"/api/{city.slug}/imports/",
        {"file": _upload(points, tmp_path), "layer": layer.slug, "mode": "replace"},
        format="multipart",
    )
    assert response.status_code == 202
    result = run_worker(PETAKOTA_IMPORT_PARTITION_ROWS="1")
    assert result.returncode == 0, result.stderr
    job = ImportJob.objects.get(pk=response.json()["id"])
    assert job.status == ImportJob.Status.SUCCEEDED, job.error
    with connection.cursor() as cursor:
        assert len(partitions.layer_partitions(cursor, layer.pk)) == 1
    assert Feature.objects.filter(layer=layer).count() == 3
