"""Background work on procrastinate (PostgreSQL is the broker)."""

from __future__ import annotations

from procrastinate.contrib.django import app

from gis_platform.tasks import task_connections
from importers.jobs import CHECK_TASK, QUEUE, RUN_TASK


@app.task(name=CHECK_TASK, queue=QUEUE)
def check_upload(job_id: int) -> None:
    """Unpack and preview an upload: never in a web request (a slow or huge archive
    would hold a web worker and its disk)."""
    from importers.jobs import check_job

    with task_connections():
        check_job(job_id)


@app.task(name=RUN_TASK, queue=QUEUE)
def run_import(job_id: int) -> None:
    from importers.jobs import run_job

    with task_connections():
        run_job(job_id)


@app.periodic(cron="* * * * *")  # every minute, so also soon after a worker starts
@app.task(name="importers.recover_jobs", queue=QUEUE)
def recover_stalled_jobs(timestamp: int) -> None:
    """Fail import jobs whose worker is gone (killed mid-import, machine lost)."""
    from django.conf import settings

    from importers.jobs import recover_jobs

    with task_connections():
        recover_jobs(seconds_since_heartbeat=settings.PETAKOTA_IMPORT_STALLED_S)


@app.periodic(cron="17 3 * * *")  # daily, at a quiet hour
@app.task(name="importers.purge_jobs", queue=QUEUE)
def purge_old_jobs(timestamp: int) -> None:
    """Delete old finished import jobs and abandoned uploads with their files."""
    from django.conf import settings

    from importers.jobs import purge_jobs

    with task_connections():
        purge_jobs(
            days=settings.PETAKOTA_IMPORT_RETENTION_DAYS,
            preview_hours=settings.PETAKOTA_IMPORT_PREVIEW_HOURS,
        )
