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


@app.task(name="reports.send_notification", queue="notifications")
def send_notification(notification_id: int) -> None:
    """Send one queued notification now (deferred when its event commits)."""
    from reports.notifications.sending import deliver

    with task_connections():
        deliver(notification_id)


@app.periodic(cron="* * * * *")
@app.task(name="reports.send_due_notifications", queue="notifications")
def send_due_notifications(timestamp: int) -> None:
    """Retries, and anything a lost job left behind (reports.notifications.sending)."""
    from reports.notifications.sending import sweep

    with task_connections():
        while sweep(limit=200) == 200:
            pass
