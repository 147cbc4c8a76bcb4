"""SLA escalation: an open report past its target time gets one operator-only event."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from reports import tasks
from reports.models import Report, ReportEvent, Status
from reports.services import escalate_overdue
from tests.reports.conftest import submit

pytestmark = pytest.mark.django_db


def test_overdue_open_reports_are_escalated_once(city, operator_client):
    late, done, fresh = (submit(Client(), city).json()["ticket"] for _ in range(3))
    past = timezone.now() - timedelta(hours=1)
    Report.objects.filter(ticket__in=[late, done]).update(due_at=past)
    Report.objects.filter(ticket=done).update(status=Status.RESOLVED)

    assert escalate_overdue() == 1
    assert escalate_overdue() == 0  # once per report
    report = Report.objects.get(ticket=late)
    assert report.escalated_at is not None
    assert Report.objects.get(ticket=done).escalated_at is None
    assert Report.objects.get(ticket=fresh).escalated_at is None
    event = report.events.get(kind=ReportEvent.Kind.OVERDUE)
    assert not event.public
    assert event.at == report.escalated_at

    console = operator_client.get(
        f"/api/{city.slug}/reports/console/reports/{late}"
    ).json()
    assert "overdue" in [e["kind"] for e in console["timeline"]]
    public = Client().get(f"/api/{city.slug}/reports/{late}").json()
    assert "overdue" not in [e["kind"] for e in public["timeline"]]


def test_the_worker_escalates_every_ten_minutes(city, monkeypatch):
    ticket = submit(Client(), city).json()["ticket"]
    Report.objects.filter(ticket=ticket).update(
        due_at=timezone.now() - timedelta(minutes=5)
    )
    # The worker closes stale connections around each task; not the test's own.
    import gis_platform.tasks

    monkeypatch.setattr(gis_platform.tasks, "close_old_connections", lambda: None)
    tasks.escalate_overdue(timestamp=int(timezone.now().timestamp()))
    assert Report.objects.get(ticket=ticket).escalated_at is not None
    registry = tasks.escalate_overdue.blueprint.periodic_registry
    crons = {p.task.name: p.cron for p in registry.periodic_tasks.values()}
    assert crons["reports.escalate_overdue"] == "*/10 * * * *"
