"""Background work of permits on procrastinate (PostgreSQL is the broker)."""

from __future__ import annotations

from procrastinate.contrib.django import app

from gis_platform.tasks import task_connections


# 00:05 WIB (17:05 UTC): just after midnight in Kota Tangerang; cities further east
# are caught by the same run (each permit is compared with its city's own date).
@app.periodic(cron="5 17 * * *")
@app.task(name="permits.expire_permits", queue="permits")
def expire_permits(timestamp: int) -> None:
    """Issued permits past their expiry date become expired (permits.services)."""
    from permits.services import expire_permits as expire

    with task_connections():
        while expire(batch=500) == 500:  # a backlog, in short transactions
            pass
