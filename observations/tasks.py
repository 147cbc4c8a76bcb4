"""Background work of the observations app on procrastinate (PostgreSQL is the
broker): partition maintenance does not depend on cron."""

from __future__ import annotations

from datetime import UTC, datetime

from procrastinate.contrib.django import app

from gis_platform.tasks import task_connections

MONTHS_AHEAD = 3


@app.periodic(cron="23 2 * * *")  # daily, at a quiet hour
@app.task(name="observations.ensure_partitions", queue="observations")
def ensure_observation_partitions(timestamp: int) -> None:
    """Create this month's and the next MONTHS_AHEAD months' partitions of the
    observations table (observations.partitions), as the management command does."""
    from observations.partitions import ensure_ahead

    with task_connections():
        ensure_ahead(datetime.fromtimestamp(timestamp, UTC).date(), MONTHS_AHEAD)
