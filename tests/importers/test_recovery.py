"""Every import job ends: a worker killed mid-import leaves a failed job with a clear
message (found with procrastinate's own stalled-job query), a cancelled one gets its
finish time, and an unexpected error fails the job instead of leaving it running."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import threading
import time
from io import StringIO

import psycopg
import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db import connection
from procrastinate.contrib.django.models import ProcrastinateJob
from rest_framework.test import APIClient

from importers import jobs
from importers.jobs import purge_jobs
from importers.models import ImportJob
from layers.models import Feature, Layer
from tenancy.models import Role
from tests.factories import FeatureFactory, MembershipFactory, UserFactory
from tests.importers.conftest import write
from tests.importers.test_jobs_api import run_worker

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _empty_queue(transactional_db):
    """procrastinate's tables are not Django's to flush: start each test without the
    tasks and workers earlier tests left behind."""
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM procrastinate_jobs")
        cursor.execute("DELETE FROM procrastinate_workers")


@pytest.fixture
def api(city, agency):
    user = UserFactory()
    MembershipFactory(user=user, city=city, agency=agency, role=Role.AGENCY_EDITOR)
    client = APIClient()
    client.force_authenticate(user)
    return client


def _upload(api, city, layer, points, tmp_path) -> int:
    handle = io.BytesIO(write(points, tmp_path / "p.geojson").read_bytes())
    handle.name = "p.geojson"
    response = api.post(
        f"/api/{city.slug}/imports/",
        {"file": handle, "layer": layer.slug, "mode": "replace"},
        format="multipart",
    )
    assert response.status_code == 202, response.content
    return response.json()["id"]


def _database_params() -> dict:
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    return params


def _start_worker() -> subprocess.Popen:
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgis://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
    }
    return subprocess.Popen(
        [sys.executable, "manage.py", "procrastinate", "worker", "--queues", "imports"],
        cwd=django_settings.BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _wait_for(predicate, what: str, limit_s: float = 60) -> None:
    """Wait for the worker (not a timing assertion: the limit only stops a hang)."""
    deadline = time.monotonic() + limit_s
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting for {what}")
        time.sleep(0.2)


def _stop_worker_hard(worker: subprocess.Popen) -> None:
    worker.send_signal(signal.SIGKILL)
    worker.wait(timeout=30)


def _worker_heartbeats_age_by_an_hour() -> None:
    """What the clock does after a killed worker's last heartbeat."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE procrastinate_workers "
            "SET last_heartbeat = last_heartbeat - interval '1 hour'"
        )


def test_worker_killed_mid_import_leaves_a_failed_job_with_a_message(
    api, city, layer, points, tmp_path
):
    FeatureFactory(layer=layer)
    before = list(Feature.objects.filter(layer=layer).values_list("pk", flat=True))
    job_id = _upload(api, city, layer, points, tmp_path)
    # Hold the layer's row: the import blocks on it, in the middle of its work.
    blocker = psycopg.connect(**_database_params())
    blocker.execute(
        f"SELECT 1 FROM {Layer._meta.db_table} WHERE id = %s FOR UPDATE", [layer.pk]
    )
    worker = _start_worker()
    try:
        _wait_for(
            lambda: ImportJob.objects.get(pk=job_id).status == "running",
            "the import to start",
        )
        _stop_worker_hard(worker)
    finally:
        if worker.poll() is None:
            worker.kill()
        blocker.rollback()
        blocker.close()
    job = ImportJob.objects.get(pk=job_id)
    assert job.status == ImportJob.Status.RUNNING  # what the kill leaves behind

    # A fresh worker does not yet count the killed one as gone (heartbeat too new).
    call_command("recover_imports", stdout=StringIO())
    assert ImportJob.objects.get(pk=job_id).status == ImportJob.Status.RUNNING

    _worker_heartbeats_age_by_an_hour()
    out = StringIO()
    call_command("recover_imports", stdout=out)
    assert "1 stalled task(s) failed, 1 import job(s) failed" in out.getvalue()
    job = ImportJob.objects.get(pk=job_id)
    assert job.status == ImportJob.Status.FAILED
    assert "worker" in job.error
    assert "stopped before it finished" in job.error
    assert job.finished_at is not None
    task = ProcrastinateJob.objects.get(
        task_name="importers.run_import", args__job_id=job_id
    )
    assert task.status == "failed"
    # The layer stayed whole: the import's transaction died with its worker.
    assert list(Feature.objects.filter(layer=layer).values_list("pk", flat=True)) == (
        before
    )
    # The job is finished: the purge removes it and its upload in due time.
    assert purge_jobs(days=0, preview_hours=0, dry_run=True).finished == 1


def test_the_worker_runs_the_recovery_every_minute():
    from importers import tasks

    assert tasks.recover_stalled_jobs.name == "importers.recover_jobs"
    periodic = {
        p.task.name: p.cron for p in tasks.app.periodic_registry.periodic_tasks.values()
    }
    assert periodic["importers.recover_jobs"] == "* * * * *"


def test_job_whose_task_failed_is_not_left_running(api, city, layer, points, tmp_path):
    """A task that ended without finishing its job (a crash between the two) leaves
    no job waiting for ever."""
    job_id = _upload(api, city, layer, points, tmp_path)
    assert run_worker().returncode == 0
    ImportJob.objects.filter(pk=job_id).update(status="running", finished_at=None)
    jobs.recover_jobs(seconds_since_heartbeat=60)
    job = ImportJob.objects.get(pk=job_id)
    assert job.status == ImportJob.Status.FAILED
    assert job.finished_at is not None


def test_queued_job_with_its_task_waiting_is_left_alone(
    api, city, layer, points, tmp_path
):
    job_id = _upload(api, city, layer, points, tmp_path)
    recovered = jobs.recover_jobs(seconds_since_heartbeat=0)
    assert recovered.failed == 0
    assert ImportJob.objects.get(pk=job_id).status == ImportJob.Status.CHECKING


def test_cancelled_running_job_of_a_gone_worker_gets_its_finish_time(
    api, city, layer, points, tmp_path
):
    job_id = _upload(api, city, layer, points, tmp_path)
    assert run_worker().returncode == 0
    # As a kill leaves it: cancelled while running, the worker never wrote the end.
    ImportJob.objects.filter(pk=job_id).update(status="cancelled", finished_at=None)
    recovered = jobs.recover_jobs(seconds_since_heartbeat=60)
    assert recovered.cancelled == 1
    job = ImportJob.objects.get(pk=job_id)
    assert job.status == ImportJob.Status.CANCELLED
    assert job.finished_at is not None
    assert purge_jobs(days=0, preview_hours=0).finished == 1
    assert not ImportJob.objects.filter(pk=job_id).exists()


def test_unexpected_error_fails_the_job_without_details(
    api, city, layer, points, tmp_path, monkeypatch
):
    job_id = _upload(api, city, layer, points, tmp_path)
    jobs.check_job(job_id)

    def broken(*args, **kwargs):
        raise RuntimeError("connection to /var/run/secret.sock lost")

    monkeypatch.setattr(jobs, "import_file", broken)
    job = jobs.run_job(job_id)
    assert job.status == ImportJob.Status.FAILED
    assert job.finished_at is not None
    assert job.error == jobs.UNEXPECTED
    assert "secret" not in job.error


def test_the_recovery_runs_inside_a_real_worker(api, city, layer, points, tmp_path):
    """The periodic task itself, run by a worker process (procrastinate's async
    machinery around a sync task), fails a job left without a task."""
    from importers.tasks import recover_stalled_jobs

    job_id = _upload(api, city, layer, points, tmp_path)
    assert run_worker().returncode == 0
    ImportJob.objects.filter(pk=job_id).update(status="running", finished_at=None)
    recover_stalled_jobs.defer(timestamp=0)
    result = run_worker()
    assert result.returncode == 0, result.stderr
    job = ImportJob.objects.get(pk=job_id)
    assert job.status == ImportJob.Status.FAILED
    assert "stopped before it finished" in job.error
    # (The worker's periodic deferrer may have run it too: all of them succeeded.)
    runs = ProcrastinateJob.objects.filter(task_name="importers.recover_jobs")
    assert set(runs.values_list("status", flat=True)) == {"succeeded"}


def test_recovery_runs_where_an_event_loop_is_running(
    api, city, layer, points, tmp_path
):
    """The worker's periodic task, an ASGI caller or a Playwright test all call it from
    a thread with a running event loop, where async_to_sync refuses to run."""
    import asyncio

    job_id = _upload(api, city, layer, points, tmp_path)
    # As a lost worker leaves it: running, and no task left to finish it.
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM procrastinate_jobs")
    ImportJob.objects.filter(pk=job_id).update(status="running")

    async def call() -> jobs.Recovered:
        return jobs.recover_jobs(seconds_since_heartbeat=60)

    # A thread of its own: this one may already run Playwright's loop.
    result: list[jobs.Recovered] = []

    def in_a_loop() -> None:
        try:
            result.append(asyncio.run(call()))
        finally:
            connection.close()

    thread = threading.Thread(target=in_a_loop)
    thread.start()
    thread.join()
    assert len(result) == 1
    assert result[0].failed == 1
    assert ImportJob.objects.get(pk=job_id).status == "failed"
