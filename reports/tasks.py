"""Background work of the reports app on procrastinate (PostgreSQL is the broker)."""

from __future__ import annotations

from django.db import close_old_connections
from procrastinate.contrib.django import app


@app.periodic(cron="*/10 * * * *")
@app.task(name="reports.escalate_overdue", queue="reports")
def escalate_overdue(timestamp: int) -> None:
    """Mark reports that passed their SLA target (reports.services)."""
    from reports.services import escalate_overdue as escalate

    close_old_connections()
    try:
        while escalate(batch=500) == 500:  # a backlog, in short transactions
            pass
    finally:
        close_old_connections()
