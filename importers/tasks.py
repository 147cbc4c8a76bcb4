"""Background work on procrastinate (PostgreSQL is the broker)."""

from __future__ import annotations

from procrastinate.contrib.django import app

from gis_platform.tasks import task_connections

QUEUE = "imports"


@app.task(name="importers.run_import", queue=QUEUE)
def run_import(job_id: int) -> None:
    from importers.jobs import run_job

    with task_connections():
        run_job(job_id)


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
