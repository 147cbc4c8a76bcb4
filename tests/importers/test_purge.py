"""Old import jobs and abandoned uploads are deleted with their files."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.utils import timezone

from importers.jobs import create_job, rejected_csv_path
from importers.models import ImportJob
from importers.tasks import purge_old_jobs
from tests.factories import UserFactory
from tests.importers.conftest import write


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _job(tmp_path, city, layer, points, status, age: timedelta) -> ImportJob:
    path = write(points, tmp_path / f"{status}-{age.days}.geojson")
    job = create_job(
        user=UserFactory(),
        city=city,
        upload=SimpleUploadedFile(path.name, path.read_bytes()),
        mode="append",
        layer=layer,
    )
    rejected_csv_path(job).write_text("row,reason\n")
    moment = timezone.now() - age
    ImportJob.objects.filter(pk=job.pk).update(
        status=status, created_at=moment, finished_at=moment
    )
    return job


def test_purge_deletes_old_finished_and_abandoned_jobs_only(
    tmp_path, city, layer, points
):
    old_done = _job(tmp_path, city, layer, points, "succeeded", timedelta(days=40))
    old_failed = _job(tmp_path, city, layer, points, "failed", timedelta(days=31))
    recent = _job(tmp_path, city, layer, points, "succeeded", timedelta(days=2))
    running = _job(tmp_path, city, layer, points, "running", timedelta(days=90))
    abandoned = _job(tmp_path, city, layer, points, "preview", timedelta(days=2))
    fresh_preview = _job(tmp_path, city, layer, points, "preview", timedelta(hours=1))
    folders = {j.pk: Path(j.file.path).parent for j in ImportJob.objects.all()}

    out = StringIO()
    call_command("purge_imports", "--dry-run", stdout=out)
    assert "2 finished job(s) and 1 unconfirmed upload(s) would be deleted" in (
        out.getvalue()
    )
    assert ImportJob.objects.count() == 6

    call_command("purge_imports", stdout=StringIO())
    kept = set(ImportJob.objects.values_list("pk", flat=True))
    assert kept == {recent.pk, running.pk, fresh_preview.pk}
    for job in (old_done, old_failed, abandoned):
        assert not folders[job.pk].exists()
    for job in (recent, running, fresh_preview):
        assert (folders[job.pk] / "rejected.csv").exists()


def test_purge_rejects_negative_limits(db):
    with pytest.raises(CommandError, match="cannot be negative"):
        call_command("purge_imports", "--days", "-1")


def test_the_worker_purges_daily(tmp_path, settings, city, layer, points, monkeypatch):
    """The periodic task (deferred by the worker at 03:17) runs the same purge."""
    import gis_platform.tasks

    # The worker closes stale connections around each task; not the test's own.
    monkeypatch.setattr(gis_platform.tasks, "close_old_connections", lambda: None)
    settings.PETAKOTA_IMPORT_RETENTION_DAYS = 1
    _job(tmp_path, city, layer, points, "cancelled", timedelta(days=3))
    purge_old_jobs(timestamp=int(timezone.now().timestamp()))
    assert not ImportJob.objects.exists()
    periodic = [
        p.task.name
        for p in purge_old_jobs.blueprint.periodic_registry.periodic_tasks.values()
    ]
    assert "importers.purge_jobs" in periodic
