"""Monthly partitions of `observations_observation` (no pg_partman needed).

The migration creates the partitioned table and a DEFAULT partition. Ingest calls
`ensure_partitions` for the months of a batch before inserting, and the
`ensure_observation_partitions` periodic task (observations/tasks.py, daily on the
procrastinate worker; the command of the same name does it by hand) creates the
coming months ahead. A month whose rows already sit in the DEFAULT partition (an
insert that bypassed ingest) gets them moved into its new partition in the same
transaction, so creating a partition never fails on them.

Partition names are `observations_observation_pYYYYMM`: derived from dates, never
from input.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime

from django.db import connection, transaction

from observations.models import Observation

PARENT = Observation._meta.db_table
DEFAULT = f"{PARENT}_default"

# Months known to have a partition in this process (a cache; the database decides).
_known: set[date] = set()


def month_start(moment: datetime | date) -> date:
    return date(moment.year, moment.month, 1)


def next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def partition_name(month: date) -> str:
    return f"{PARENT}_p{month:%Y%m}"


def existing_months() -> set[date]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i "
            "JOIN pg_class c ON c.oid = i.inhrelid "
            "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = %s",
            [PARENT],
        )
        names = [row[0] for row in cursor.fetchall()]
    prefix = f"{PARENT}_p"
    months = set()
    for name in names:
        if name.startswith(prefix):
            stamp = name[len(prefix) :]
            months.add(date(int(stamp[:4]), int(stamp[4:6]), 1))
    return months


def ensure_partitions(months: Iterable[date]) -> list[date]:
    """Create the monthly partitions missing among `months`; returns those created."""
    wanted = {month_start(m) for m in months} - _known
    if not wanted:
        return []
    have = existing_months()
    created = []
    for month in sorted(wanted - have):
        _create(month)
        created.append(month)
    # Only after the transaction commits is a partition known to exist.
    done = wanted | have

    def remember() -> None:
        _known.update(done)

    transaction.on_commit(remember)
    return created


def _create(month: date) -> None:
    name = partition_name(month)
    lo = datetime(month.year, month.month, 1, tzinfo=UTC)
    nxt = next_month(month)
    hi = datetime(nxt.year, nxt.month, 1, tzinfo=UTC)
    with transaction.atomic(), connection.cursor() as cursor:
        # Serialise partition creation across sessions.
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [PARENT])
        cursor.execute("SELECT to_regclass(%s)", [name])
        if cursor.fetchone()[0] is not None:
            return
        # Names come from dates (above), never from input.
        cursor.execute(f"CREATE TABLE {name} (LIKE {PARENT} INCLUDING DEFAULTS)")
        cursor.execute(
            f"WITH moved AS (DELETE FROM {DEFAULT} "  # noqa: S608
            "WHERE phenomenon_time >= %s AND phenomenon_time < %s RETURNING *) "
            f"INSERT INTO {name} SELECT * FROM moved",
            [lo, hi],
        )
        # DDL takes no bind parameters; the bounds are computed timestamps.
        cursor.execute(
            f"ALTER TABLE {PARENT} ATTACH PARTITION {name} "
            f"FOR VALUES FROM ('{lo.isoformat()}') TO ('{hi.isoformat()}')"
        )


def ensure_ahead(today: date, months_ahead: int = 3) -> list[date]:
    months = [month_start(today)]
    for _ in range(months_ahead):
        months.append(next_month(months[-1]))
    return ensure_partitions(months)


def forget_known() -> None:
    """Tests: the database was emptied under us."""
    _known.clear()
