from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from django.db import connection

from observations.models import Observation
from observations.partitions import ensure_partitions, existing_months, partition_name


@pytest.mark.django_db
def test_observations_land_in_their_month_partition(pm25_stream):
    ensure_partitions([date(2026, 3, 1)])
    assert date(2026, 3, 1) in existing_months()
    obs = Observation.objects.create(
        datastream=pm25_stream,
        phenomenon_time=datetime(2026, 3, 5, 1, tzinfo=UTC),
        result=12.5,
    )
    assert obs.pk is not None
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {partition_name(date(2026, 3, 1))}")
        assert cursor.fetchone()[0] == 1


@pytest.mark.django_db
def test_rows_in_default_partition_move_when_their_month_is_created(pm25_stream):
    when = datetime(2031, 7, 2, tzinfo=UTC)
    Observation.objects.create(datastream=pm25_stream, phenomenon_time=when, result=3)
    ensure_partitions([date(2031, 7, 1)])
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {partition_name(date(2031, 7, 1))}")
        assert cursor.fetchone()[0] == 1
    assert Observation.objects.get(phenomenon_time=when).result == 3
