"""Each thing's current status (ThingStatus), refreshed after every ingest for the
things it touched: what the map, the engine source and the pages read.

- A station: its newest valid reading (of the property that gives its ISPU, or
  any), and the ISPU computed at the hour of its newest ISPU reading from the
  hourly aggregates over each parameter's averaging period (observations/ispu.py).
- A market: the newest price of its reference commodity (the first price
  property in the city's order that the market sells), and whether that price is
  below, about (within ±MARKET_BAND) or above the city's average of the same
  commodity's latest prices; every market of the city is re-rated, as the average
  moves with any of them.

`stale_after` = the newest reading's time + the longest expected interval of the
thing's properties; readers compare it with now().
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from observations import ispu as ispu_rules
from observations.models import (
    Datastream,
    HourlyAggregate,
    PropertyKind,
    Thing,
    ThingKind,
    ThingStatus,
)
from tenancy.models import City

MARKET_BAND = 0.05
MARKET_COLOURS = {"below": "#16a34a", "average": "#ca8a04", "above": "#dc2626"}


def _ispu_from(
    streams: list[Datastream],
    sums: dict[int, list[tuple[datetime, float, int]]],
    at: datetime | None = None,
) -> ispu_rules.Ispu | None:
    """ISPU of one station's ISPU streams at the hour of `at` (default: the newest
    of their latest readings), from (bucket, total, count) hourly rows."""
    if at is None:
        times = [d.latest_time for d in streams if d.latest_time is not None]
        if not times:
            return None
        at = max(times)
    hour = at.replace(minute=0, second=0, microsecond=0)
    means: dict[str, float] = {}
    for stream in streams:
        parameter = stream.observed_property.ispu_parameter
        since = hour - timedelta(hours=ispu_rules.AVERAGING_HOURS[parameter])
        total, count = 0.0, 0
        for bucket, t, n in sums.get(stream.pk, []):
            if since < bucket <= hour:
                total += t
                count += n
        if count:
            means[parameter] = max(0.0, total / count)
    return ispu_rules.ispu(means)


def _hourly_rows(
    streams: list[Datastream],
) -> dict[int, list[tuple[datetime, float, int]]]:
    """The hourly rows each ISPU stream's longest window may need, in one query."""
    newest = [d.latest_time for d in streams if d.latest_time is not None]
    if not newest:
        return {}
    longest = max(ispu_rules.AVERAGING_HOURS.values())
    since = min(newest) - timedelta(hours=longest + 1)
    sums: dict[int, list[tuple[datetime, float, int]]] = {}
    for ds, bucket, total, count in HourlyAggregate.objects.filter(
        datastream__in=streams, bucket__gt=since
    ).values_list("datastream_id", "bucket", "total", "count"):
        sums.setdefault(ds, []).append((bucket, total, count))
    return sums


def station_ispu(thing: Thing, at: datetime | None = None) -> ispu_rules.Ispu | None:
    """The station's ISPU at the hour of `at` (default: its newest ISPU reading)."""
    streams = [
        d
        for d in Datastream.objects.filter(thing=thing).select_related(
            "observed_property"
        )
        if d.observed_property.ispu_parameter
    ]
    return _ispu_from(streams, _hourly_rows(streams), at)


STATUS_FIELDS = (
    "latest_time",
    "latest_value",
    "latest_property",
    "unit_symbol",
    "stale_after",
    "ispu",
    "ispu_text",
    "critical",
    "category",
    "colour",
    "updated_at",
)


def _save(statuses: list[ThingStatus]) -> None:
    """Upsert in one statement."""
    now = timezone.now()
    for status in statuses:
        status.updated_at = now
    ThingStatus.objects.bulk_create(
        statuses,
        update_conflicts=True,
        unique_fields=["thing"],
        update_fields=list(STATUS_FIELDS),
    )


def refresh(city: City, thing_ids: Iterable[int]) -> None:
    """Recompute the status of these things (stations in a few queries for any
    number of them; markets re-rate the whole city)."""
    ids = set(thing_ids)
    kinds = dict(Thing.objects.filter(city=city, pk__in=ids).values_list("pk", "kind"))
    stations = [pk for pk, kind in kinds.items() if kind == ThingKind.STATION]
    if stations:
        streams = list(
            Datastream.objects.filter(thing_id__in=stations).select_related(
                "observed_property"
            )
        )
        per_thing: dict[int, list[Datastream]] = {pk: [] for pk in stations}
        for d in streams:
            per_thing[d.thing_id].append(d)
        ispu_streams = [d for d in streams if d.observed_property.ispu_parameter]
        sums = _hourly_rows(ispu_streams)
        _save([_station_status(pk, per_thing[pk], sums) for pk in stations])
    if any(kind == ThingKind.MARKET for kind in kinds.values()):
        refresh_markets(city)


def _latest(streams: list[Datastream]) -> tuple[Datastream | None, int]:
    interval = max(
        (d.observed_property.expected_interval_s for d in streams), default=0
    )
    with_time = [(d.latest_time, d) for d in streams if d.latest_time is not None]
    if not with_time:
        return None, interval
    return max(with_time, key=lambda td: td[0])[1], interval


def _status_values(stream: Datastream | None, interval: int) -> dict[str, Any]:
    if stream is None or stream.latest_time is None:
        return {
            "latest_time": None,
            "latest_value": None,
            "latest_property": "",
            "unit_symbol": "",
            "stale_after": None,
        }
    return {
        "latest_time": stream.latest_time,
        "latest_value": stream.latest_value,
        "latest_property": stream.observed_property.code,
        "unit_symbol": stream.unit_symbol,
        "stale_after": stream.latest_time + timedelta(seconds=interval),
    }


def _station_status(
    thing_id: int,
    streams: list[Datastream],
    sums: dict[int, list[tuple[datetime, float, int]]],
) -> ThingStatus:
    stream, interval = _latest(streams)
    values = _status_values(stream, interval)
    ispu_streams = [d for d in streams if d.observed_property.ispu_parameter]
    result = _ispu_from(ispu_streams, sums)
    if result is None:
        values.update(ispu=None, ispu_text="", critical="", category="", colour="")
    else:
        values.update(
            ispu=result.value,
            ispu_text=result.display,
            critical=result.critical,
            category=result.category.code,
            colour=result.category.colour,
        )
    return ThingStatus(thing_id=thing_id, **values)


def refresh_markets(city: City) -> None:
    """Re-rate every market of the city against the city's average prices."""
    streams = list(
        Datastream.objects.filter(
            city=city,
            thing__kind=ThingKind.MARKET,
            observed_property__kind=PropertyKind.PRICE,
        ).select_related("observed_property")
    )
    by_prop: dict[int, list[float]] = {}
    for d in streams:
        if d.latest_value is not None:
            by_prop.setdefault(d.observed_property_id, []).append(d.latest_value)
    average = {k: sum(v) / len(v) for k, v in by_prop.items()}
    per_thing: dict[int, list[Datastream]] = {}
    for d in streams:
        per_thing.setdefault(d.thing_id, []).append(d)
    statuses: list[ThingStatus] = []
    for thing in Thing.objects.filter(city=city, kind=ThingKind.MARKET):
        mine = sorted(
            per_thing.get(thing.pk, []),
            key=lambda d: (d.observed_property.order, d.observed_property.code),
        )
        interval = max(
            (d.observed_property.expected_interval_s for d in mine), default=0
        )
        reference = next((d for d in mine if d.latest_value is not None), None)
        values = _status_values(reference, interval)
        if reference is not None:
            newest = max(
                (d.latest_time for d in mine if d.latest_time is not None),
                default=None,
            )
            if newest is not None and reference.latest_time is not None:
                values["stale_after"] = newest + timedelta(seconds=interval)
        category = ""
        if reference is not None and reference.latest_value is not None:
            mean = average[reference.observed_property_id]
            ratio = reference.latest_value / mean if mean else 1.0
            category = (
                "below"
                if ratio < 1 - MARKET_BAND
                else "above"
                if ratio > 1 + MARKET_BAND
                else "average"
            )
        values.update(
            ispu=None,
            ispu_text="",
            critical="",
            category=category,
            colour=MARKET_COLOURS.get(category, ""),
        )
        statuses.append(ThingStatus(thing_id=thing.pk, **values))
    _save(statuses)
