"""The working half of bench_sta.sh: `generate` the data, then `measure` each
SensorThings request over HTTP against the very statement it runs, executed raw.

The raw side is the SQL the endpoint itself compiles (observations/sta), run on
the same database with one cursor: the ratio is what Django, the OData parser,
visibility, the response and HTTP add to PostgreSQL's own work.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from urllib.parse import quote

import django

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gis_platform.settings")
django.setup()

import requests  # noqa: E402
from django.contrib.auth.models import AnonymousUser  # noqa: E402
from django.contrib.gis.geos import MultiPolygon, Point, Polygon  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from layers.models import Layer  # noqa: E402
from observations import partitions  # noqa: E402
from observations.models import (  # noqa: E402
    Datastream,
    Observation,
    ObservedProperty,
    PropertyKind,
    Sensor,
    SensorClass,
    Thing,
    ThingKind,
)
from observations.sta.odata import parse_options  # noqa: E402
from observations.sta.resources import page_sql, resolve  # noqa: E402
from observations.sta.sql import Compiler, Scope  # noqa: E402
from tenancy.models import City  # noqa: E402

SLUG = "kota-bench-sta"
START = datetime(2025, 1, 1, tzinfo=UTC)
STEP_MIN = 5
LON, LAT = 106.63, -6.18
RUNS = int(os.environ.get("STA_BENCH_RUNS", "30"))


def generate() -> None:
    streams_per_prop = int(os.environ.get("STA_BENCH_STREAMS", "50"))
    days = int(os.environ.get("STA_BENCH_DAYS", "365"))
    t0 = time.perf_counter()
    box = Polygon.from_bbox((LON - 0.1, LAT - 0.1, LON + 0.1, LAT + 0.1))
    city = City.objects.create(
        slug=SLUG,
        name="Kota Bench STA",
        code="99.99",
        boundary=MultiPolygon(box, srid=4326),
        default_center=Point(LON, LAT, srid=4326),
    )
    sensor = Sensor.objects.create(
        city=city, code="ref", name="Reference", sensor_class=SensorClass.REFERENCE
    )
    props = [
        ObservedProperty.objects.create(
            city=city, code=code, name=code, kind=PropertyKind.AIR, unit_symbol="µg/m³"
        )
        for code in ("pm25", "pm10")
    ]
    streams: list[Datastream] = []
    for i in range(streams_per_prop):
        thing = Thing.objects.create(
            city=city,
            code=f"aqm-{i}",
            name=f"Stasiun {i}",
            kind=ThingKind.STATION,
            geom=Point(LON + (i % 10) * 0.01, LAT + (i // 10) * 0.01, srid=4326),
        )
        for prop in props:
            streams.append(
                Datastream.objects.create(
                    city=city,
                    thing=thing,
                    observed_property=prop,
                    sensor=sensor,
                    name=f"{prop.code} {thing.name}",
                    unit_symbol="µg/m³",
                )
            )
    readings = days * 24 * 60 // STEP_MIN
    months = {
        date(d.year, d.month, 1)
        for d in (START + timedelta(days=n) for n in range(days + 1))
    }
    with transaction.atomic():
        partitions.ensure_partitions(months)
    obs = Observation._meta.db_table
    print(
        f"==> {len(streams)} datastreams x {readings} readings "
        f"= {len(streams) * readings:,} observations",
        flush=True,
    )
    with connection.cursor() as cursor:
        for n, stream in enumerate(streams):
            cursor.execute(
                f"INSERT INTO {obs} (datastream_id, phenomenon_time, result, flags) "  # noqa: S608
                "SELECT %s, %s + make_interval(mins => i * %s), "
                "round((20 + 15 * sin(i / 40.0) + random() * 5)::numeric, 1), 0 "
                "FROM generate_series(0, %s - 1) i",
                [stream.pk, START, STEP_MIN, readings],
            )
            if n % 10 == 9:
                print(f"   {n + 1} datastreams", flush=True)
        cursor.execute(f"ANALYZE {obs}")
        cursor.execute(
            f"UPDATE {Datastream._meta.db_table} d SET phenomenon_start = %s, "  # noqa: S608
            "phenomenon_end = %s + make_interval(mins => (%s - 1) * %s)",
            [START, START, readings, STEP_MIN],
        )
    print(f"==> data ready in {time.perf_counter() - t0:.0f} s", flush=True)


def _statements(
    path: str, params: dict[str, str], base: str
) -> tuple[Compiler, str, str | None]:
    """The statements the endpoint runs for `path` and `params` (anonymous)."""
    city = City.objects.get(slug=SLUG)
    visible = Layer.objects.visible_to(AnonymousUser(), city)
    compiler = Compiler(Scope.of(visible, city.pk, base))
    options = parse_options(params)
    resolved = resolve(path, compiler)
    sql, count_sql = page_sql(compiler, resolved, options)
    return compiler, sql, count_sql


def _explain(path: str, params: dict[str, str], base: str) -> None:
    compiler, sql, _ = _statements(path, params, base)
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + sql, compiler.params)
        for (line,) in cursor.fetchall():
            print("    " + line)


def _raw(path: str, params: dict[str, str], base: str) -> float:
    """Milliseconds for the endpoint's own statements (page, count) run raw."""
    compiler, sql, count_sql = _statements(path, params, base)
    with connection.cursor() as cursor:
        start = time.perf_counter()
        cursor.execute(sql, compiler.params)
        body = ",".join(str(r[0]) for r in cursor.fetchall())
        if count_sql:
            cursor.execute(count_sql, compiler.params)
            cursor.fetchone()
        elapsed = time.perf_counter() - start
    assert body  # noqa: S101 - a benchmark of nothing is no benchmark
    return elapsed * 1000


def measure(port: int) -> None:
    base = f"http://127.0.0.1:{port}/sta/{SLUG}/v1.1/"
    stream = Datastream.objects.filter(city__slug=SLUG).order_by("pk")[7]
    # A week in the middle of the data (whatever STA_BENCH_DAYS was).
    assert stream.phenomenon_start  # noqa: S101
    assert stream.phenomenon_end  # noqa: S101
    middle = (
        stream.phenomenon_start + (stream.phenomenon_end - stream.phenomenon_start) / 2
    )
    start = middle.replace(hour=0, minute=0, second=0, microsecond=0)
    end = start + timedelta(days=7)
    week = (
        f"phenomenonTime ge {start:%Y-%m-%dT%H:%M:%SZ} and "
        f"phenomenonTime lt {end:%Y-%m-%dT%H:%M:%SZ}"
    )
    cases = [
        (
            "Datastream's Observations, $filter time + result, top 100",
            f"Datastreams({stream.pk})/Observations",
            {"$filter": f"{week} and result gt 20", "$top": "100"},
        ),
        (
            "Observations, $filter Datastream/id + time, $count",
            "Observations",
            {
                "$filter": f"Datastream/id eq {stream.pk} and {week}",
                "$top": "100",
                "$count": "true",
            },
        ),
        ("Observations, no options (the whole set by id)", "Observations", {}),
        (
            "Observations newest first, top 1000",
            f"Datastreams({stream.pk})/Observations",
            {"$orderby": "phenomenonTime desc", "$top": "1000"},
        ),
        (
            "Things $expand latest Observation of every Datastream",
            "Things",
            {
                "$expand": "Datastreams($expand=Observations($top=1;"
                "$orderby=phenomenonTime desc))",
                "$top": "100",
            },
        ),
        (
            "Things geo.distance < 2 km",
            "Things",
            {
                "$filter": "geo.distance(Locations/location, "
                f"geography'POINT({LON} {LAT})') lt 2000"
            },
        ),
    ]
    session = requests.Session()
    floor = []
    for _ in range(RUNS):
        start = time.perf_counter()
        session.get(base, timeout=60).raise_for_status()
        floor.append((time.perf_counter() - start) * 1000)
    # The service root reads the city only: what every answer pays before its SQL.
    print(f"floor: GET the service root {statistics.median(floor):.1f} ms (median)")
    print(f"{'request':58} {'http ms':>8} {'raw ms':>8} {'ratio':>6} {'+ms':>6}")
    for label, path, params in cases:
        query = "&".join(f"{k}={quote(v, safe='')}" for k, v in params.items())
        url = f"{base}{path}?{query}"
        for _ in range(3):  # warm both sides
            session.get(url, timeout=60).raise_for_status()
            _raw(path, params, base)
        web, raw = [], []
        for _ in range(RUNS):
            start = time.perf_counter()
            response = session.get(url, timeout=60)
            web.append((time.perf_counter() - start) * 1000)
            response.raise_for_status()
            raw.append(_raw(path, params, base))
        w, r = statistics.median(web), statistics.median(raw)
        print(f"{label:58} {w:8.1f} {r:8.1f} {w / r:6.2f} {w - r:6.1f}", flush=True)
        if os.environ.get("STA_BENCH_EXPLAIN"):
            _explain(path, params, base)
    print(
        f"http: median of {RUNS} requests through gunicorn (keep-alive); raw: the "
        "same statements on one cursor, rows fetched. Target <= 1.2x + 2 ms."
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("step", choices=["generate", "measure"])
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args()
    if args.step == "generate":
        generate()
    else:
        measure(args.port)


if __name__ == "__main__":
    main()
