"""An upload is stored by the request and checked (unpacked, previewed) by the worker:
no web request reads or unzips an uploaded file."""

from __future__ import annotations

import io
import zipfile

import pytest
from rest_framework.test import APIClient

from importers import jobs
from importers.models import ImportJob
from tenancy.models import Role
from tests.factories import MembershipFactory, UserFactory
from tests.importers.conftest import write


@pytest.fixture
def editor(city, agency):
    user = UserFactory()
    MembershipFactory(user=user, city=city, agency=agency, role=Role.AGENCY_EDITOR)
    return user


@pytest.fixture
def forbid_reading(monkeypatch):
    """Call it to make any read of an upload (preview, GDAL open, unzip) fail."""

    def forbidden(*args, **kwargs):
        raise AssertionError("the request read the upload")

    def forbid() -> None:
        monkeypatch.setattr(jobs, "preview_file", forbidden)
        monkeypatch.setattr(jobs, "open_dataset", forbidden)
        monkeypatch.setattr(zipfile.ZipFile, "__init__", forbidden)

    return forbid


def _zipped(points, tmp_path) -> io.BytesIO:
    shp = write(points, tmp_path / "titik.shp")
    handle = io.BytesIO()
    with zipfile.ZipFile(handle, "w") as archive:
        for part in tmp_path.glob("titik.*"):
            archive.write(part, part.name)
    handle.seek(0)
    handle.name = "titik.zip"
    assert shp.exists()
    return handle


def test_api_upload_returns_at_once_without_reading_the_file(
    editor, city, layer, points, tmp_path, forbid_reading
):
    upload = _zipped(points, tmp_path)
    forbid_reading()
    client = APIClient()
    client.force_authenticate(editor)
    response = client.post(
        f"/api/{city.slug}/imports/",
        {"file": upload, "layer": layer.slug},
        format="multipart",
    )
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["status"] == "checking"
    job = ImportJob.objects.get(pk=body["id"])
    assert job.confirm_when_checked
    assert job.file.name.endswith("titik.zip")


def test_web_upload_redirects_at_once_without_reading_the_file(
    client, editor, city, layer, points, tmp_path, forbid_reading
):
    client.force_login(editor)
    upload = _zipped(points, tmp_path)
    forbid_reading()
    response = client.post(
        f"/{city.slug}/imports/",
        {"file": upload, "layer": layer.pk, "mode": "append"},
    )
    assert response.status_code == 302
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.CHECKING
    page = client.get(response["Location"])
    assert b'id="checking-file"' in page.content
    assert b'id="confirm-import"' not in page.content


def test_the_worker_check_previews_and_then_waits_for_confirmation(
    client, editor, city, layer, points, tmp_path
):
    client.force_login(editor)
    client.post(
        f"/{city.slug}/imports/",
        {"file": _zipped(points, tmp_path), "layer": layer.pk, "mode": "append"},
    )
    job = jobs.check_job(ImportJob.objects.get().pk)
    assert job.status == ImportJob.Status.PREVIEW
    assert job.preview["count"] == 3
    assert job.total == 3
    assert len(job.preview["features"]["features"]) == 3


def test_a_job_cancelled_while_checking_stays_cancelled_and_finished(
    editor, city, layer, points, tmp_path
):
    client = APIClient()
    client.force_authenticate(editor)
    response = client.post(
        f"/api/{city.slug}/imports/",
        {"file": _zipped(points, tmp_path), "layer": layer.slug},
        format="multipart",
    )
    job_id = response.json()["id"]
    cancelled = client.post(f"/api/{city.slug}/imports/{job_id}/cancel").json()
    assert cancelled["status"] == "cancelled"
    assert cancelled["finished_at"]
    job = jobs.check_job(job_id)
    assert job.status == ImportJob.Status.CANCELLED
    assert job.preview == {}


def test_preview_of_dates_and_missing_values_is_stored(editor, city, layer, tmp_path):
    """Dates and empty numbers (Timestamp, NaN in the preview frame) become JSON."""
    import json

    from django.core.files.uploadedfile import SimpleUploadedFile

    doc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"n": 1.5, "tanggal": "2024-02-29"},
                "geometry": {"type": "Point", "coordinates": [120.05, -4.95]},
            },
            {
                "type": "Feature",
                "properties": {"n": None, "tanggal": None},
                "geometry": {"type": "Point", "coordinates": [120.06, -4.95]},
            },
        ],
    }
    job = jobs.create_job(
        user=editor,
        city=city,
        upload=SimpleUploadedFile("d.geojson", json.dumps(doc).encode()),
        mode="append",
        layer=layer,
    )
    job = jobs.check_job(job.pk)
    assert job.status == ImportJob.Status.PREVIEW, job.error
    first, second = (f["properties"] for f in job.preview["features"]["features"])
    assert first["n"] == 1.5
    assert first["tanggal"].startswith("2024-02-29")
    assert second == {"n": None, "tanggal": None}
