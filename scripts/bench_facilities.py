"""The measuring half of bench_facilities.sh (needs a migrated database with the
demo): adds BENCH_FACILITIES synthetic facilities, then times "nearest 3 of each
kind" at random points three ways — the raw SQL statement, the selector (that
statement, the beds query and open-now in Python) and the JSON API through Django's
test client — and prints medians and ratios to raw."""

from __future__ import annotations

import os
import random
import statistics
import sys
import time
from collections.abc import Callable

import django

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gis_platform.settings")
django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from facilities.models import Facility, FacilityKind  # noqa: E402
from facilities.selectors import _nearest_sql, nearest  # noqa: E402
from tenancy.models import City  # noqa: E402

PER_KIND = 3


def add_facilities(city: City, n: int) -> None:
    """n points uniformly in the city's bounding box, kinds in turn, one INSERT."""
    kinds = list(FacilityKind.objects.filter(city=city).values_list("id", "agency_id"))
    xmin, ymin, xmax, ymax = city.boundary.extent
    table = Facility._meta.db_table
    with connection.cursor() as cursor:
        # Names from _meta; values are parameters.
        cursor.execute(
            f"""
            INSERT INTO {table} (city_id, agency_id, kind_id, name, geom, address,
                phones, services, opening_hours, hours_structured, ownership,
                hospital_class, emergency_24h, website, source, osm_id, demo, active,
                created_at, updated_at)
            SELECT %(city)s, (%(agencies)s::bigint[])[1 + i %% %(k)s],
                   (%(kinds)s::bigint[])[1 + i %% %(k)s], 'Bench ' || i,
                   ST_SetSRID(ST_MakePoint(%(xmin)s + random() * %(w)s,
                                           %(ymin)s + random() * %(h)s), 4326),
                   '', '{{+622155500000}}', '{{}}', 'Mo-Fr 08:00-16:00', '{{}}', '',
                   '', false, '', 'bench', '', true, true, now(), now()
            FROM generate_series(1, %(n)s) i
            """,  # noqa: S608
            {
                "city": city.pk,
                "agencies": [a for _k, a in kinds],
                "kinds": [k for k, _a in kinds],
                "k": len(kinds),
                "xmin": xmin,
                "ymin": ymin,
                "w": xmax - xmin,
                "h": ymax - ymin,
                "n": n,
            },
        )
        cursor.execute(f"ANALYZE {table}")


def medians_ms(
    runs: list[Callable[[float, float], object]], points: list[tuple[float, float]]
) -> list[float]:
    """Median time of each run over `points`, the runs taking turns at every point
    (a shared machine's load then weighs on all of them alike)."""
    for lon, lat in points[:20]:
        for run in runs:
            run(lon, lat)  # warm caches and connections
    times: list[list[float]] = [[] for _ in runs]
    for lon, lat in points:
        for number, run in enumerate(runs):
            start = time.perf_counter()
            run(lon, lat)
            times[number].append((time.perf_counter() - start) * 1000)
    return [statistics.median(t) for t in times]


def main() -> None:
    queries = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    city = City.objects.get(slug="kota-tangerang")
    n = int(os.environ.get("BENCH_FACILITIES", "100000"))
    add_facilities(city, n)
    total = Facility.objects.filter(city=city).count()
    kinds = FacilityKind.objects.filter(city=city).count()
    xmin, ymin, xmax, ymax = city.boundary.extent
    rng = random.Random(15)  # noqa: S311 (reproducible points, not security)
    points = [
        (rng.uniform(xmin, xmax), rng.uniform(ymin, ymax)) for _ in range(queries)
    ]
    sql = _nearest_sql(None)

    def raw(lon: float, lat: float) -> object:
        with connection.cursor() as cursor:
            cursor.execute(
                sql,
                {"lon": lon, "lat": lat, "n": PER_KIND, "city": city.pk, "kinds": None},
            )
            return cursor.fetchall()

    def selector(lon: float, lat: float) -> object:
        return nearest(city, lon, lat, per_kind=PER_KIND)

    client = Client()
    url = f"/api/{city.slug}/facilities/nearest/"

    def api(lon: float, lat: float) -> object:
        response = client.get(url, {"lon": f"{lon:.6f}", "lat": f"{lat:.6f}", "n": "3"})
        if response.status_code != 200:
            raise SystemExit(f"API failed: {response.content!r}")
        return response

    raw_ms, selector_ms, api_ms = medians_ms([raw, selector, api], points)
    print(
        f"nearest {PER_KIND} of each of {kinds} kinds among {total} facilities, "
        f"median of {queries} points:"
    )
    print(f"  raw SQL       {raw_ms:7.2f} ms")
    print(
        f"  selector      {selector_ms:7.2f} ms  ({selector_ms / raw_ms:.2f}x raw, "
        f"+{selector_ms - raw_ms:.2f} ms; target <= 1.2x raw + 2 ms: "
        f"{'ok' if selector_ms <= 1.2 * raw_ms + 2 else 'MISSED'})"
    )
    print(
        f"  JSON API      {api_ms:7.2f} ms  ({api_ms / raw_ms:.2f}x raw, "
        f"+{api_ms - raw_ms:.2f} ms, Django test client, no network)"
    )


if __name__ == "__main__":
    main()
