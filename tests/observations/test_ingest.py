"""The ingest service: good batches, each kind of bad input, idempotency, flags
and the incremental aggregates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.gis.geos import Point

from observations.models import (
    DailyAggregate,
    Datastream,
    Flag,
    HourlyAggregate,
    Observation,
    Thing,
    ThingKind,
)
from observations.services import ingest_rows
from tests.factories import CityFactory

T0 = datetime(2026, 11, 20, 0, 0, tzinfo=UTC)


def row(i: int = 0, **over):
    base = {
        "thing": "aqm-1",
        "property": "pm25",
        "time": (T0 + timedelta(hours=i)).isoformat(),
        "value": 10 + i,
        "unit": "µg/m³",
    }
    base.update(over)
    return base


@pytest.mark.django_db
def test_good_batch_is_stored_with_hourly_and_daily_aggregates(city, station, pm25):
    report = ingest_rows(city, [row(i) for i in range(3)])
    assert report.written
    assert report.inserted == 3
    assert not report.errors
    stream = Datastream.objects.get(thing=station, observed_property=pm25)
    assert stream.latest_value == 12
    assert stream.latest_time == T0 + timedelta(hours=2)
    assert stream.phenomenon_start == T0
    hourly = list(HourlyAggregate.objects.filter(datastream=stream).order_by("bucket"))
    assert [(h.count, h.mean) for h in hourly] == [(1, 10), (1, 11), (1, 12)]
    daily = DailyAggregate.objects.get(datastream=stream)
    # Kota Uji is in Asia/Jakarta: the day starts at 17:00 UTC the day before.
    assert daily.bucket == datetime(2026, 11, 19, 17, tzinfo=UTC)
    assert (daily.count, daily.minimum, daily.maximum) == (3, 10, 12)


@pytest.mark.django_db
def test_same_observation_twice_is_stored_once_and_counted_once(city, station, pm25):
    ingest_rows(city, [row(0), row(1)])
    again = ingest_rows(city, [row(0), row(1), row(2), row(2)])
    assert again.written
    assert (again.inserted, again.duplicates) == (1, 3)
    assert Observation.objects.count() == 3
    assert sum(HourlyAggregate.objects.values_list("count", flat=True)) == 3
    assert DailyAggregate.objects.get().count == 3


@pytest.mark.django_db
def test_milligrams_are_converted_to_micrograms(city, station, pm25):
    report = ingest_rows(city, [row(0, value="0.035", unit="mg/m3")])
    assert report.written
    assert Observation.objects.get().result == pytest.approx(35)


@pytest.mark.parametrize(
    ("bad", "field", "words"),
    [
        ({"thing": "nope"}, "thing", "unknown station"),
        ({"property": "ozone-x"}, "property", "unknown observed property"),
        ({"unit": "kg"}, "unit", "unknown unit"),
        ({"unit": "Rp/kg"}, "unit", "cannot be converted"),
        ({"unit": ""}, "unit", "unit is required"),
        ({"time": "2026-11-20T10:00:00"}, "time", "no time zone"),
        ({"time": "yesterday"}, "time", "ISO 8601"),
        ({"value": "sepuluh"}, "value", "number"),
        ({"value": "NaN"}, "value", "number"),
        ({"time": "2099-01-01T00:00:00+07:00"}, "time", "future"),
    ],
)
@pytest.mark.django_db
def test_a_bad_row_refuses_the_whole_batch(city, station, pm25, bad, field, words):
    report = ingest_rows(city, [row(0), row(1, **bad), row(2)])
    assert not report.written
    assert report.error_count == 1
    error = report.errors[0]
    assert (error.line, error.field) == (2, field)
    assert words in error.message
    assert Observation.objects.count() == 0
    assert not HourlyAggregate.objects.exists()


@pytest.mark.django_db
def test_another_citys_station_is_refused(city, station, pm25):
    other = CityFactory(slug="kota-lain")
    Thing.objects.create(
        city=other,
        code="lain-1",
        name="Lain",
        kind=ThingKind.STATION,
        geom=Point(110, -7, srid=4326),
    )
    report = ingest_rows(city, [row(0, thing="lain-1")])
    assert not report.written
    assert "another city" in report.errors[0].message


@pytest.mark.django_db
def test_conflicting_duplicates_in_one_file_are_refused(city, station, pm25):
    report = ingest_rows(city, [row(0), row(0, value=99)])
    assert not report.written
    assert report.errors[0].line == 2
    assert "different value" in report.errors[0].message


@pytest.mark.django_db
def test_dry_run_counts_without_writing(city, station, pm25):
    report = ingest_rows(city, [row(i) for i in range(4)], dry_run=True)
    assert (report.inserted, report.written) == (4, False)
    assert Observation.objects.count() == 0


@pytest.mark.django_db
def test_quality_flags_are_kept_but_left_out_of_aggregates(city, station, pm25):
    values = [10, 11, 10, 12, 11, 400, 11, -3, 2000] + [7] * 6
    rows = [row(i, value=v) for i, v in enumerate(values)]
    assert ingest_rows(city, rows).written
    flags = dict(
        Observation.objects.order_by("phenomenon_time").values_list("result", "flags")
    )
    assert flags[400] & Flag.SPIKE
    assert flags[-3] & Flag.NEGATIVE
    assert flags[2000] & Flag.OUT_OF_RANGE
    stuck = list(
        Observation.objects.filter(result=7)
        .order_by("phenomenon_time")
        .values_list("flags", flat=True)
    )
    assert stuck[-1] & Flag.STUCK
    assert not stuck[0] & Flag.STUCK
    assert Observation.objects.count() == len(values)
    agg = HourlyAggregate.objects.filter(maximum__gte=400)
    assert not agg.exists()
    assert HourlyAggregate.objects.count() == len(values) - 4
    stream = Datastream.objects.get()
    # The newest value (the 6th 7 in a row) is stuck: the latest valid one is a 7
    # an hour earlier.
    assert stream.latest_value == 7
    assert stream.latest_time == T0 + timedelta(hours=len(values) - 2)


@pytest.mark.django_db
def test_prices_are_not_flagged_stuck(city, market, rice):
    rows = [
        row(
            24 * i,
            thing="pasar-uji",
            property="beras-medium",
            value=13500,
            unit="Rp/kg",
        )
        for i in range(8)
    ]
    assert ingest_rows(city, rows).written
    assert not Observation.objects.exclude(flags=0).exists()
