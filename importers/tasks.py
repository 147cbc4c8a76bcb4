"""Background work on procrastinate (PostgreSQL is the broker)."""

from __future__ import annotations

from django.db import close_old_connections
from procrastinate.contrib.django import app

QUEUE = "imports"


@app.task(name="importers.run_import", queue=QUEUE)
def run_import(job_id: int) -> None:
    from importers.jobs import run_job

    close_old_connections()
    try:
        run_job(job_id)
    finally:
        close_old_connections()
