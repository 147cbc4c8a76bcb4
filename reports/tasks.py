"""Background work of the reports app on procrastinate (PostgreSQL is the broker)."""

from __future__ import annotations

from procrastinate.contrib.django import app

from gis_platform.tasks import task_connections


@app.periodic(cron="*/10 * * * *")
@app.task(name="reports.escalate_overdue", queue="reports")
def escalate_overdue(timestamp: int) -> None:
    """Mark reports that passed their SLA target (reports.services)."""
    from reports.services import escalate_overdue as escalate

    with task_connections():
        while escalate(batch=500) == 500:  # a backlog, in short transactions
            pass
