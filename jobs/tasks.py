"""Background work of the jobs app on procrastinate (PostgreSQL is the broker)."""

from __future__ import annotations

from procrastinate.contrib.django import app

from gis_platform.tasks import task_connections


# Nightly, a few minutes after midnight in Indonesia's western zone (17:05 UTC);
# public outputs already filter on the closing date, this records the closure.
@app.periodic(cron="5 17 * * *")
@app.task(name="jobs.close_expired", queue="jobs")
def close_expired(timestamp: int) -> None:
    from jobs.services import close_expired as close

    with task_connections():
        while close(batch=500) == 500:  # a backlog, in short transactions
            pass
