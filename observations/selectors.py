"""Reads of observations for pages and the JSON API: series from the aggregate
tables (never recomputed from raw rows on a request), the market price table,
price alerts and the disparity of one commodity across markets.

Days are the city's days: a daily bucket starts at midnight in the city's time
zone (see services._store)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import QuerySet
from django.utils import timezone

from observations import conf
from observations.models import (
    DailyAggregate,
    Datastream,
    HourlyAggregate,
    Observation,
    ObservedProperty,
    PropertyKind,
    Thing,
    ThingKind,
    ThingStatus,
)
from tenancy.models import City

# name -> (aggregate table, span)
RANGES: dict[str, tuple[str, timedelta]] = {
    "24h": ("hourly", timedelta(hours=24)),
    "7d": ("hourly", timedelta(days=7)),
    "30d": ("daily", timedelta(days=30)),
    "1y": ("daily", timedelta(days=365)),
}
NEARBY_M = 5000


def city_zone(city: City) -> ZoneInfo:
    return ZoneInfo(city.time_zone)


def local_today(city: City) -> date:
    return timezone.now().astimezone(city_zone(city)).date()


def day_start(city: City, day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=city_zone(city))


def things(city: City, kind: str | None = None) -> QuerySet[Thing]:
    qs = Thing.objects.filter(city=city, active=True).select_related("status")
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("name")


def is_stale(status: ThingStatus | None, now: datetime | None = None) -> bool:
    if status is None or status.stale_after is None:
        return True
    return status.stale_after < (now or timezone.now())


def aggregate_rows(
    stream: Datastream,
    resolution: str,
    start: datetime | None = None,
    end: datetime | None = None,
) -> QuerySet[Any]:
    model = HourlyAggregate if resolution == "hourly" else DailyAggregate
    qs = model.objects.filter(datastream=stream)
    if start is not None:
        qs = qs.filter(bucket__gte=start)
    if end is not None:
        qs = qs.filter(bucket__lt=end)
    return qs.order_by("bucket").values_list(
        "bucket", "mean", "minimum", "maximum", "count"
    )


def series_for_range(stream: Datastream, name: str) -> dict[str, Any]:
    resolution, span = RANGES[name]
    end = timezone.now()
    rows = aggregate_rows(stream, resolution, end - span, None)
    return {
        "datastream": stream.pk,
        "range": name,
        "resolution": resolution,
        "unit": stream.unit_symbol,
        "points": [
            {
                "t": bucket.isoformat(),
                "mean": mean,
                "min": lo,
                "max": hi,
                "count": n,
            }
            for bucket, mean, lo, hi, n in rows
        ],
    }


def raw_rows(
    stream: Datastream, start: datetime | None, end: datetime | None
) -> Iterator[tuple[Any, ...]]:
    qs = Observation.objects.filter(datastream=stream)
    if start is not None:
        qs = qs.filter(phenomenon_time__gte=start)
    if end is not None:
        qs = qs.filter(phenomenon_time__lt=end)
    yield from (
        qs.order_by("phenomenon_time")
        .values_list("phenomenon_time", "result", "result_time", "flags")
        .iterator(chunk_size=5000)
    )


def _daily_means(
    city: City, days: list[date], streams: list[int]
) -> dict[tuple[int, date], float]:
    """(datastream id, local day) -> that day's mean, for the days asked."""
    zone = city_zone(city)
    buckets = [day_start(city, d) for d in days]
    rows = DailyAggregate.objects.filter(
        datastream_id__in=streams, bucket__in=buckets
    ).values_list("datastream_id", "bucket", "mean")
    return {(ds, b.astimezone(zone).date()): mean for ds, b, mean in rows}


def _week_average(city: City, day: date, streams: list[int]) -> dict[int, float]:
    start = day_start(city, day - timedelta(days=6))
    end = day_start(city, day + timedelta(days=1))
    totals: dict[int, list[float]] = {}
    for ds, total, count in DailyAggregate.objects.filter(
        datastream_id__in=streams, bucket__gte=start, bucket__lt=end
    ).values_list("datastream_id", "total", "count"):
        acc = totals.setdefault(ds, [0.0, 0.0])
        acc[0] += total
        acc[1] += count
    return {ds: t / n for ds, (t, n) in totals.items() if n}


def price_properties(city: City) -> list[ObservedProperty]:
    return list(
        ObservedProperty.objects.filter(city=city, kind=PropertyKind.PRICE).order_by(
            "order", "code"
        )
    )


def _change(now: float | None, before: float | None) -> float | None:
    if now is None or before is None or before == 0:
        return None
    return round((now - before) / before * 100, 1)


@dataclass
class PriceRow:
    prop: ObservedProperty
    datastream: int | None
    today: float | None
    yesterday: float | None
    last_week: float | None
    week_average: float | None
    change_day_pct: float | None
    change_week_pct: float | None
    above_ceiling: bool
    cheapest: list[dict[str, Any]]


def market_prices(thing: Thing, day: date) -> list[PriceRow]:
    """Every commodity of a market on `day`: that day's price, change vs the day
    before and a week before, the 7-day average and the cheapest markets within
    NEARBY_M that day."""
    city = thing.city
    props = price_properties(city)
    streams = {
        d.observed_property_id: d.pk for d in Datastream.objects.filter(thing=thing)
    }
    days = [day, day - timedelta(days=1), day - timedelta(days=7)]
    means = _daily_means(city, days, list(streams.values()))
    week = _week_average(city, day, list(streams.values()))
    # A few dozen markets per city: metres in Web Mercator (about 0.6 % long
    # near the equator) are close enough for "within 5 km".
    here = thing.geom.transform(3857, clone=True)
    close = [
        m
        for m in Thing.objects.filter(city=city, kind=ThingKind.MARKET, active=True)
        .exclude(pk=thing.pk)
        .order_by("name")
        if here.distance(m.geom.transform(3857, clone=True)) <= NEARBY_M
    ]
    close_streams = {
        (d.thing_id, d.observed_property_id): d.pk
        for d in Datastream.objects.filter(thing__in=close)
    }
    close_means = _daily_means(city, [day], list(close_streams.values()))
    rows = []
    for prop in props:
        ds = streams.get(prop.pk)
        if ds is None:
            continue
        today = means.get((ds, day))
        yesterday = means.get((ds, day - timedelta(days=1)))
        last_week = means.get((ds, day - timedelta(days=7)))
        priced: list[tuple[float, Thing]] = []
        for m in close:
            other = close_streams.get((m.pk, prop.pk))
            price = close_means.get((other, day)) if other else None
            if price is not None:
                priced.append((price, m))
        priced.sort(key=lambda pm: pm[0])
        offers = [{"code": m.code, "name": m.name, "price": p} for p, m in priced]
        rows.append(
            PriceRow(
                prop=prop,
                datastream=ds,
                today=today,
                yesterday=yesterday,
                last_week=last_week,
                week_average=week.get(ds),
                change_day_pct=_change(today, yesterday),
                change_week_pct=_change(today, last_week),
                above_ceiling=bool(
                    prop.ceiling and today is not None and today > prop.ceiling
                ),
                cheapest=offers[:3],
            )
        )
    return rows


def price_matrix(city: City, day: date) -> dict[str, Any]:
    """Commodity x market table of one day's prices (daily means)."""
    props = price_properties(city)
    markets = list(things(city, ThingKind.MARKET))
    streams = {
        (d.thing_id, d.observed_property_id): d.pk
        for d in Datastream.objects.filter(
            city=city, observed_property__kind=PropertyKind.PRICE
        )
    }
    means = _daily_means(city, [day], list(streams.values()))
    table = []
    for prop in props:
        cells = []
        for market in markets:
            ds = streams.get((market.pk, prop.pk))
            cells.append(means.get((ds, day)) if ds else None)
        present = [c for c in cells if c is not None]
        table.append(
            {
                "property": prop,
                "cells": cells,
                "average": sum(present) / len(present) if present else None,
                "min": min(present) if present else None,
                "max": max(present) if present else None,
            }
        )
    return {"day": day, "markets": markets, "rows": table}


def disparity(city: City, prop: ObservedProperty, day: date) -> dict[str, Any]:
    """GeoJSON of the markets with one commodity's price that day and its ratio to
    the city's average."""
    streams = {
        d.thing_id: d.pk
        for d in Datastream.objects.filter(city=city, observed_property=prop)
    }
    means = _daily_means(city, [day], list(streams.values()))
    markets = [m for m in things(city, ThingKind.MARKET) if m.pk in streams]
    prices = {m.pk: means.get((streams[m.pk], day)) for m in markets}
    present = [p for p in prices.values() if p is not None]
    average = sum(present) / len(present) if present else None
    features = []
    for m in markets:
        price = prices[m.pk]
        features.append(
            {
                "type": "Feature",
                "id": m.pk,
                "geometry": {"type": "Point", "coordinates": [m.geom.x, m.geom.y]},
                "properties": {
                    "code": m.code,
                    "name": m.name,
                    "price": price,
                    "ratio": round(price / average, 3)
                    if price is not None and average
                    else None,
                },
            }
        )
    return {
        "type": "FeatureCollection",
        "property": prop.code,
        "unit": prop.unit_symbol,
        "day": day.isoformat(),
        "average": average,
        "features": features,
    }


def price_alerts(city: City, day: date) -> list[dict[str, Any]]:
    """Markets whose price of a commodity on `day` rose more than the threshold
    week on week (the property's alert_change_pct or OBSERVATIONS_PRICE_ALERT_PCT),
    or is above the ceiling price (HET)."""
    default_pct = conf.get("OBSERVATIONS_PRICE_ALERT_PCT")
    streams = list(
        Datastream.objects.filter(
            city=city,
            observed_property__kind=PropertyKind.PRICE,
            thing__active=True,
        ).select_related("thing", "observed_property")
    )
    means = _daily_means(city, [day, day - timedelta(days=7)], [d.pk for d in streams])
    alerts = []
    for d in streams:
        prop = d.observed_property
        today = means.get((d.pk, day))
        if today is None:
            continue
        before = means.get((d.pk, day - timedelta(days=7)))
        change = _change(today, before)
        limit = (
            prop.alert_change_pct if prop.alert_change_pct is not None else default_pct
        )
        base = {
            "market": d.thing.code,
            "market_name": d.thing.name,
            "property": prop.code,
            "property_name": prop.name,
            "property_name_en": prop.name_en,
            "unit": prop.unit_symbol,
            "price": today,
            "day": day.isoformat(),
        }
        if change is not None and change > limit:
            alerts.append(
                {
                    **base,
                    "kind": "jump",
                    "previous": before,
                    "change_pct": change,
                    "threshold_pct": limit,
                }
            )
        if prop.ceiling is not None and today > prop.ceiling:
            alerts.append({**base, "kind": "ceiling", "ceiling": prop.ceiling})
    alerts.sort(key=lambda a: (a["property"], a["market"], a["kind"]))
    return alerts
