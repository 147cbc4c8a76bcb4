"""The measuring half of bench_observations.sh (needs a migrated database with the
demo). Loads BENCH_OBS_ROWS observations (default 10 000 000: 50 stations x PM2.5
and PM10 every 5 minutes for a year, plus 40 markets x 40 commodities daily) with
their hourly/daily aggregates, then times each platform path against the same
SQL run raw:

- latest value of every station   (JSON API things?kind=station)
- one year of daily means          (JSON API aggregates?resolution=daily)
- the ISPU map of the city         (OGC API items of kualitas-udara)
- CSV ingest (import_csv)          vs raw COPY of the same rows

Timings go to stdout; nothing is asserted.
"""

from __future__ import annotations

import io
import os
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import django

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gis_platform.settings")
django.setup()

from django.contrib.auth.models import AnonymousUser  # noqa: E402
from django.contrib.gis.geos import Point  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import RequestFactory  # noqa: E402
from django.urls import resolve  # noqa: E402

from observations import partitions, status  # noqa: E402
from observations.csv_import import import_csv  # noqa: E402
from observations.models import (  # noqa: E402
    DailyAggregate,
    Datastream,
    HourlyAggregate,
    Observation,
    ObservedProperty,
    Sensor,
    SensorClass,
    Thing,
    ThingKind,
)
from tenancy.models import City  # noqa: E402

ROWS = int(os.environ.get("BENCH_OBS_ROWS", "10000000"))
CSV_ROWS = int(os.environ.get("BENCH_OBS_CSV_ROWS", "200000"))
STATIONS = 50
MARKETS = 40
COMMODITIES = 40
START = datetime(2025, 1, 1, tzinfo=UTC)
CITY = "kota-tangerang"


def timed(fn: Callable[[], object], runs: int = 7) -> float:
    fn()  # warm
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples) * 1000


def raw(sql: str, params: list[object]) -> Callable[[], object]:
    def run() -> object:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    return run


def report(name: str, platform_ms: float, raw_ms: float) -> None:
    ratio = platform_ms / raw_ms if raw_ms else float("inf")
    print(
        f"{name:<42} platform {platform_ms:8.2f} ms   raw {raw_ms:8.2f} ms   "
        f"ratio {ratio:5.2f}x   +{platform_ms - raw_ms:6.2f} ms"
    )


def setup(city: City) -> tuple[list[Datastream], Datastream]:
    """Stations, markets and their datastreams, filled by SQL (generate_series)."""
    props = {p.code: p for p in ObservedProperty.objects.filter(city=city)}
    sensor, _ = Sensor.objects.get_or_create(
        city=city, code="bench", defaults={"name": "bench", "sensor_class": "reference"}
    )
    survey, _ = Sensor.objects.get_or_create(
        city=city,
        code="bench-survey",
        defaults={"name": "bench survey", "sensor_class": SensorClass.SURVEY},
    )
    per_series_5min = 365 * 24 * 12
    market_rows = MARKETS * COMMODITIES * 365
    station_props = ["pm25", "pm10"]
    n_stations = STATIONS
    # 5-minute readings per station series: what is left of ROWS after the prices.
    steps = max(288, min(per_series_5min, (ROWS - market_rows) // (n_stations * 2)))
    streams: list[Datastream] = []
    centre = city.default_center
    with transaction.atomic():
        for i in range(n_stations):
            thing, _ = Thing.objects.get_or_create(
                city=city,
                code=f"bench-aqms-{i}",
                defaults={
                    "name": f"Bench station {i}",
                    "kind": ThingKind.STATION,
                    "geom": Point(
                        centre.x + (i % 10) * 0.01, centre.y + i // 10 * 0.01
                    ),
                    "simulated": True,
                },
            )
            for code in station_props:
                ds, _ = Datastream.objects.get_or_create(
                    thing=thing,
                    observed_property=props[code],
                    defaults={
                        "city": city,
                        "sensor": sensor,
                        "name": f"{code} {i}",
                        "unit_symbol": "µg/m³",
                        "unit_code": "ug/m3",
                    },
                )
                streams.append(ds)
        price_props = [p for p in props.values() if p.kind == "price"]
        market_streams = []
        for i in range(MARKETS):
            thing, _ = Thing.objects.get_or_create(
                city=city,
                code=f"bench-pasar-{i}",
                defaults={
                    "name": f"Bench market {i}",
                    "kind": ThingKind.MARKET,
                    "geom": Point(
                        centre.x - (i % 10) * 0.01, centre.y - i // 10 * 0.01
                    ),
                    "simulated": True,
                },
            )
            for j in range(COMMODITIES):
                prop = price_props[j % len(price_props)]
                if j >= len(price_props):
                    prop, _ = ObservedProperty.objects.get_or_create(
                        city=city,
                        code=f"bench-komoditas-{j}",
                        defaults={
                            "name": f"Komoditas {j}",
                            "kind": "price",
                            "unit_symbol": "Rp/kg",
                            "unit_code": "IDR/kg",
                            "expected_interval_s": 172800,
                        },
                    )
                ds, _ = Datastream.objects.get_or_create(
                    thing=thing,
                    observed_property=prop,
                    defaults={
                        "city": city,
                        "sensor": survey,
                        "name": f"{prop.code} {i}",
                        "unit_symbol": "Rp/kg",
                        "unit_code": "IDR/kg",
                    },
                )
                market_streams.append(ds)
    months = []
    m = partitions.month_start(START)
    while m <= partitions.month_start(START + timedelta(days=366)):
        months.append(m)
        m = partitions.next_month(m)
    with transaction.atomic():
        partitions.ensure_partitions(months)
    table = Observation._meta.db_table
    if not Observation.objects.filter(datastream__in=streams[:1]).exists():
        t0 = time.perf_counter()
        ids = [d.pk for d in streams]
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (datastream_id, phenomenon_time, result, flags) "  # noqa: S608
                "SELECT ds, %s + (s * interval '5 minutes'), "
                "20 + 15 * sin(s / 40.0) + (ds %% 7), 0 "
                "FROM unnest(%s::bigint[]) ds, generate_series(0, %s - 1) s",
                [START, ids, steps],
            )
            cursor.execute(
                f"INSERT INTO {table} (datastream_id, phenomenon_time, result, flags) "  # noqa: S608
                "SELECT ds, %s + (s * interval '1 day') + interval '1 hour', "
                "10000 + (ds %% 50) * 100 + s, 0 "
                "FROM unnest(%s::bigint[]) ds, generate_series(0, 364) s",
                [START, [d.pk for d in market_streams]],
            )
            _aggregate(cursor, city)
            cursor.execute(f"ANALYZE {table}")
        print(f"loaded in {time.perf_counter() - t0:.0f} s")
        with transaction.atomic():
            status.refresh(
                city, Thing.objects.filter(city=city).values_list("pk", flat=True)
            )
    count = Observation.objects.count()
    print(
        f"observations: {count:,} ({len(streams)} station series of {steps:,} "
        f"readings, {len(market_streams)} price series of 365)"
    )
    return streams, streams[0]


def _aggregate(cursor: object, city: City) -> None:
    """Bench setup only: the aggregates of the bulk-loaded rows in one pass each
    (ingest keeps them incrementally)."""
    obs = Observation._meta.db_table
    for model, trunc in (
        (HourlyAggregate, "date_trunc('hour', phenomenon_time)"),
        (DailyAggregate, "date_trunc('day', phenomenon_time, %s)"),
    ):
        params = [city.time_zone] if "%s" in trunc else []
        cursor.execute(  # type: ignore[attr-defined]
            f"INSERT INTO {model._meta.db_table} "  # noqa: S608
            "(datastream_id, bucket, count, total, minimum, maximum) "
            f"SELECT datastream_id, {trunc}, count(*), sum(result), min(result), "
            f"max(result) FROM {obs} WHERE flags = 0 GROUP BY 1, 2 "
            "ON CONFLICT DO NOTHING",
            params,
        )
    cursor.execute(  # type: ignore[attr-defined]
        f"UPDATE {Datastream._meta.db_table} d SET latest_time = x.t, "  # noqa: S608
        "latest_value = x.v, phenomenon_start = x.t0, phenomenon_end = x.t "
        "FROM (SELECT DISTINCT ON (datastream_id) datastream_id, phenomenon_time t, "
        f"result v, (SELECT min(phenomenon_time) FROM {obs} o2 "
        "WHERE o2.datastream_id = o.datastream_id) t0 "
        f"FROM {obs} o ORDER BY datastream_id, phenomenon_time DESC) x "
        "WHERE d.id = x.datastream_id"
    )


def bench_reads(city: City, stream: Datastream) -> None:
    """Each platform path is its view called with a request from RequestFactory
    (URL resolution, the view's queries and JSON encoding; no middleware, no
    socket), next to the same SQL through one cursor."""
    factory = RequestFactory()
    base = f"/api/{city.slug}/observations"

    def api(url: str) -> Callable[[], object]:
        path = url.partition("?")[0]
        match = resolve(path)

        def run() -> object:
            request = factory.get(url)
            request.user = AnonymousUser()
            response = match.func(request, *match.args, **match.kwargs)
            if response.status_code != 200:
                raise SystemExit(f"{url}: {response.status_code}")
            if getattr(response, "streaming", False):
                return b"".join(response.streaming_content)
            return response.content

        return run

    things = Thing._meta.db_table
    st = "observations_thingstatus"
    report(
        "latest value of every station",
        timed(api(f"{base}/things?kind=station")),
        timed(
            raw(
                f"SELECT t.id, t.code, t.name, t.geom, s.latest_time, s.latest_value, "  # noqa: S608
                f"s.ispu, s.category, s.stale_after FROM {things} t "
                f"LEFT JOIN {st} s ON s.thing_id = t.id "
                "WHERE t.city_id = %s AND t.kind = 'station' AND t.active",
                [city.pk],
            )
        ),
    )
    obs = Observation._meta.db_table
    naive = timed(
        raw(
            f"SELECT DISTINCT ON (datastream_id) datastream_id, phenomenon_time, "  # noqa: S608
            f"result FROM {obs} WHERE datastream_id = ANY(%s) AND flags = 0 "
            "ORDER BY datastream_id, phenomenon_time DESC",
            [
                list(
                    Datastream.objects.filter(
                        city=city, thing__kind="station"
                    ).values_list("pk", flat=True)
                )
            ],
        ),
        runs=3,
    )
    print(f"{'  (for scale: latest from raw rows, DISTINCT ON)':<42} {naive:8.2f} ms")
    end = START + timedelta(days=365)
    report(
        "one year of daily means of one datastream",
        timed(
            api(
                f"{base}/datastreams/{stream.pk}/aggregates?resolution=daily"
                f"&start={START.date()}&end={end.date()}"
            )
        ),
        timed(
            raw(
                "SELECT bucket, mean, minimum, maximum, count "  # noqa: S608
                f"FROM {DailyAggregate._meta.db_table} WHERE datastream_id = %s "
                "AND bucket >= %s AND bucket < %s ORDER BY bucket",
                [stream.pk, START, end],
            )
        ),
    )
    scratch = timed(
        raw(
            f"SELECT date_trunc('day', phenomenon_time, %s), avg(result), min(result), "  # noqa: S608
            f"max(result), count(*) FROM {obs} WHERE datastream_id = %s AND flags = 0 "
            "AND phenomenon_time >= %s AND phenomenon_time < %s GROUP BY 1 ORDER BY 1",
            [city.time_zone, stream.pk, START, end],
        ),
        runs=3,
    )
    print(f"{'  (for scale: daily means from raw rows)':<42} {scratch:8.2f} ms")
    from observations.sources import _relation

    report(
        "ISPU map of the city (OGC items)",
        timed(api(f"/ogc/{city.slug}/collections/kualitas-udara/items?limit=1000")),
        timed(
            raw(
                "SELECT t.id, ST_AsGeoJSON(t.geom), t.code, t.name, t.ispu, "  # noqa: S608
                "t.ispu_text, t.category, t.colour, t.stale, t.latest_value, "
                "t.latest_time "
                f"FROM {_relation()} t WHERE t.city_id = %s AND t.kind = 'station' "
                "AND t.active ORDER BY t.id LIMIT 1000",
                [city.pk],
            )
        ),
    )


def bench_ingest(city: City, stream: Datastream) -> None:
    """CSV through import_csv vs raw COPY of the same resolved rows."""
    prop = ObservedProperty.objects.get(city=city, code="so2")
    streams = list(
        Datastream.objects.filter(city=city, thing__kind="station").select_related(
            "thing"
        )
    )
    things = sorted({d.thing.code for d in streams})
    per = max(1, CSV_ROWS // len(things))
    start = START + timedelta(days=400)
    lines = ["station,property,time,value,unit"]
    for code in things:
        for s in range(per):
            t = start + timedelta(minutes=5 * s)
            lines.append(f"{code},so2,{t.isoformat()},{10 + s % 17},ug/m3")
    data = "\n".join(lines).encode()
    n = len(lines) - 1
    months = {
        partitions.month_start(start + timedelta(minutes=5 * s)) for s in range(per)
    }
    with transaction.atomic():
        partitions.ensure_partitions(months)
    t0 = time.perf_counter()
    result = import_csv(city, io.BytesIO(data))
    csv_s = time.perf_counter() - t0
    if not result.written:
        raise SystemExit(f"bench CSV refused: {result.errors[:3]}")
    ids = {
        d.thing.code: d.pk
        for d in Datastream.objects.filter(observed_property=prop).select_related(
            "thing"
        )
    }
    raw_lines = []
    for code in things:
        for s in range(per):
            t = start + timedelta(days=200) + timedelta(minutes=5 * s)
            raw_lines.append(f"{ids[code]}\t{t.isoformat()}\t{10 + s % 17}\t0\n")
    payload = "".join(raw_lines)
    months = {
        partitions.month_start(start + timedelta(days=200, minutes=5 * s))
        for s in range(per)
    }
    with transaction.atomic():
        partitions.ensure_partitions(months)
    t0 = time.perf_counter()
    columns = "(datastream_id, phenomenon_time, result, flags)"
    copy_sql = f"COPY {Observation._meta.db_table} {columns} FROM STDIN"
    with (
        transaction.atomic(),
        connection.cursor() as cursor,
        cursor.cursor.copy(copy_sql) as copy,
    ):
        copy.write(payload)
    raw_s = time.perf_counter() - t0
    rate, raw_rate = n / csv_s, n / raw_s
    print(
        f"{'CSV ingest (' + f'{n:,}' + ' rows)':<42} "
        f"platform {rate:10,.0f} rows/s   raw COPY {raw_rate:10,.0f} rows/s   "
        f"ratio {rate / raw_rate:5.2f}x"
    )


def main() -> None:
    city = City.objects.get(slug=CITY)
    _streams, stream = setup(city)
    bench_reads(city, stream)
    bench_ingest(city, stream)


if __name__ == "__main__":
    main()
