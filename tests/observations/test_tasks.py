"""The periodic task that keeps the coming months' partitions ready."""

from datetime import UTC, date, datetime

from observations.partitions import existing_months, forget_known
from observations.tasks import MONTHS_AHEAD, ensure_observation_partitions


def test_periodic_task_creates_the_coming_months_partitions(db, monkeypatch):
    import gis_platform.tasks

    # The worker closes stale connections around each task; not the test's own.
    monkeypatch.setattr(gis_platform.tasks, "close_old_connections", lambda: None)
    forget_known()
    moment = datetime(2034, 11, 15, 2, 23, tzinfo=UTC)
    ensure_observation_partitions(timestamp=int(moment.timestamp()))
    wanted = {date(2034, 11, 1), date(2034, 12, 1), date(2035, 1, 1), date(2035, 2, 1)}
    assert MONTHS_AHEAD == 3
    assert wanted <= existing_months()
    # Idempotent: another day of the month creates nothing twice.
    forget_known()
    ensure_observation_partitions(timestamp=int(moment.timestamp()) + 86400)
    assert wanted <= existing_months()
    forget_known()
    registry = ensure_observation_partitions.blueprint.periodic_registry
    periodic = [p.task.name for p in registry.periodic_tasks.values()]
    assert "observations.ensure_partitions" in periodic
