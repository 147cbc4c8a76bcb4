"""The measuring half of bench_planner.sh (needs a migrated database with the demo)."""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import django

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gis_platform.settings")
django.setup()

from django.contrib.auth.models import AnonymousUser  # noqa: E402
from django.db import connection  # noqa: E402

from layers.models import Dimension, Feature, Layer  # noqa: E402
from planner.analysis import ANALYSES, run_analysis  # noqa: E402
from tenancy.models import City  # noqa: E402

POINTS = int(os.environ.get("PLANNER_BENCH_POINTS", "1000000"))
FACILITIES = int(os.environ.get("PLANNER_BENCH_FACILITIES", "1000"))
HOT_POINTS = int(os.environ.get("PLANNER_BENCH_HOT_POINTS", "100000"))
USER = AnonymousUser()


def timed(fn: Callable[[], Any], repeat: int = 3) -> float:
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def point_layer(city: City, slug: str, n: int, seed: float) -> Layer:
    """`n` random points over the city's bounding box, inserted in one statement."""
    layer, _ = Layer.objects.get_or_create(
        city=city,
        slug=slug,
        defaults={
            "title": slug,
            "geometry_type": "Point",
            "dimension": Dimension.LIVING,
            "schema": [{"name": "name", "type": "text"}],
        },
    )
    x0, y0, x1, y1 = city.boundary.extent
    table = Feature._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(%s)", [seed])
        cursor.execute(
            f"INSERT INTO {table} (city_id, layer_id, geom, properties, created_at, "  # noqa: S608 - names from _meta
            "updated_at, version) SELECT %s, %s, ST_SetSRID(ST_MakePoint("
            "%s + random() * %s, %s + random() * %s), 4326), "
            "jsonb_build_object('name', 'p' || g), now(), now(), 1 "
            "FROM generate_series(1, %s) g",
            [city.pk, layer.pk, x0, x1 - x0, y0, y1 - y0, n],
        )
        cursor.execute(f"ANALYZE {table}")
    return layer


def raw(kind: str, city: City, body: dict[str, Any]) -> Callable[[], None]:
    """The analysis' own SELECT, run without saving a result."""
    output = ANALYSES[kind](city, USER, {"kind": kind, **body})

    def run() -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                # Every column read, so nothing of the SELECT is skipped.
                f"SELECT sum(length(s::text)) FROM ({output.select_sql}) s",  # noqa: S608 - built from code
                output.params,
            )
            cursor.fetchone()

    return run


def api(kind: str, city: City, body: dict[str, Any]) -> Callable[[], None]:
    return lambda: run_analysis(city, USER, {"kind": kind, **body})


def line(name: str, app_s: float, raw_s: float | None) -> None:
    if raw_s:
        print(f"{name:<58} {app_s:7.3f} s   raw {raw_s:7.3f} s   {app_s / raw_s:5.2f}x")
    else:
        print(f"{name:<58} {app_s:7.3f} s")


def main() -> None:
    city = City.objects.get(slug="kota-tangerang")
    print("== planner analyses on the demo city's layers (target: each < 2 s)")
    demo = [
        ("density", {"layer": "sekolah", "level": "kelurahan"}),
        ("hexbins", {"layer": "sekolah", "size_m": 500}),
        ("hotspots", {"layer": "sekolah", "size_m": 500}),
        ("coverage", {"layer": "rumah-sakit", "distance_m": 1000, "size_m": 250}),
        ("coverage", {"layer": "rumah-sakit", "distance_m": 1000, "unit": "kelurahan"}),
        ("overlay", {"base": "pasar", "count": "sekolah", "distance_m": 1000}),
    ]
    for kind, body in demo:
        app_s = timed(api(kind, city, body))
        raw_s = None if kind == "hotspots" else timed(raw(kind, city, body))
        line(f"{kind} {body}"[:58], app_s, raw_s)

    print(f"== hexagon bins: {POINTS:,} points, 500 m cells")
    start = time.perf_counter()
    point_layer(city, "bench-points", POINTS, 0.1)
    print(f"   (loaded in {time.perf_counter() - start:.1f} s)")
    body = {"layer": "bench-points", "size_m": 500}
    line(
        "hexbins 500 m",
        timed(api("hexbins", city, body)),
        timed(raw("hexbins", city, body)),
    )

    print(f"== coverage gap: 250 m cells, {FACILITIES:,} facilities, 1 km")
    point_layer(city, "bench-facilities", FACILITIES, 0.2)
    body = {"layer": "bench-facilities", "distance_m": 1000, "size_m": 250}
    line(
        "coverage 250 m cells",
        timed(api("coverage", city, body)),
        timed(raw("coverage", city, body)),
    )

    print(f"== hot spots (Gi*, 999 permutations): {HOT_POINTS:,} points, 500 m cells")
    point_layer(city, "bench-hot", HOT_POINTS, 0.3)
    body = {"layer": "bench-hot", "size_m": 500}
    line(
        "hotspots 500 m (absolute; esda computes)",
        timed(api("hotspots", city, body)),
        None,
    )


if __name__ == "__main__":
    main()
