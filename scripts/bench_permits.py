"""The measuring half of bench_permits.sh (needs a migrated database with the demo)."""

from __future__ import annotations

import os
import re
import statistics
import sys
import time

import django

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gis_platform.settings")
django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from permits.models import Permit, PermitType  # noqa: E402
from permits.selectors import (  # noqa: E402
    city_today,
    filtered,
    public_rows,
    visible_permits,
)
from tenancy.models import City  # noqa: E402

RUNS = 41
KECAMATAN = "36.71.01"  # Kecamatan Tangerang
NEAR = (106.6318, -6.1729)  # Kelurahan Sukarasa, Kecamatan Tangerang
RADIUS_M = 500


def fill(city: City, n: int) -> None:
    """n permits spread over the city's bounding box (kept inside the city), random
    types, statuses and dates, in one INSERT ... SELECT."""
    types = list(PermitType.objects.filter(city=city).values_list("id", "agency_id"))
    table = Permit._meta.db_table
    ids = "ARRAY[" + ",".join(str(t) for t, _ in types) + "]"
    agency = types[0][1]
    xmin, ymin, xmax, ymax = city.boundary.extent
    # Names from _meta and numbers from the database; no request input.
    sql = f"""
        INSERT INTO {table} (city_id, number, permit_type_id, agency_id, risk_level,
            status, business_name, description, applicant_name, applicant_nik,
            applicant_phone, applicant_email, address, conditions, geom, point,
            applied_date, issued_date, expires_date, tracking_hash, demo,
            created_at, updated_at)
        SELECT %s, 'BENCH-' || g, ({ids})[1 + g %% {len(types)}], %s, '',
            status, 'Bench ' || g, '', 'x', '', '', '', '', '', p, p,
            applied, CASE WHEN status <> 'submitted' THEN applied + 10 END,
            CASE WHEN status <> 'submitted'
                THEN applied + 11 + ((g::bigint * 7919) %% 900)::int END,
            '', false, now(), now()
        FROM (
            SELECT g,
                ST_SetSRID(ST_MakePoint(%s + random() * %s, %s + random() * %s), 4326)
                    AS p,
                (ARRAY['issued', 'issued', 'issued', 'completed', 'submitted',
                       'revoked'])[1 + g %% 6] AS status,
                current_date - ((g::bigint * 104729) %% 1200)::int AS applied
            FROM generate_series(1, %s) g
        ) s
    """  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [city.pk, agency, xmin, xmax - xmin, ymin, ymax - ymin, n])
        inserted = cursor.rowcount
        cursor.execute(f"ANALYZE {table}")
    if inserted != n:
        raise RuntimeError(f"generated {inserted} permits, not {n}")


def timed(fn) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def timed_together(*fns) -> list[float]:  # type: ignore[no-untyped-def]
    """Median seconds of each function, called in turn RUNS times."""
    times: list[list[float]] = [[] for _ in fns]
    for _ in range(RUNS):
        for fn, out in zip(fns, times, strict=True):
            start = time.perf_counter()
            fn()
            out.append(time.perf_counter() - start)
    return [statistics.median(t) for t in times]


def run_raw(statements: list[str]) -> int:
    size = 0
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)
            size += len(cursor.fetchall())
    return size


def measure(city: City, label: str, query: dict[str, object], n: int) -> None:
    """The API (in-process Django client, anonymous) next to (a) the very
    statements it sends, captured and run raw, and (b) the selector's row query
    (public_rows of filtered, the baseline used before the one-statement change)."""
    from permits.api_views import parse_filter

    client = Client()
    url = f"/api/{city.slug}/permits/"

    def api() -> int:
        response = client.get(url, query)
        if response.status_code != 200:
            raise RuntimeError(response.content[:200])
        return len(response.content)

    api()  # warm (Django reads SRID facts once per process)
    with CaptureQueriesContext(connection) as captured:
        size = api()
    statements = [q["sql"] for q in captured.captured_queries]
    f = parse_filter({k: str(v) for k, v in query.items()}, city)
    rows = filtered(visible_permits(city, None), f, city_today(city))
    rows_sql, rows_params = public_rows(rows)[: f.limit].query.sql_with_params()

    def rows_raw() -> int:
        with connection.cursor() as cursor:
            cursor.execute(rows_sql, rows_params)
            return len(cursor.fetchall())

    found = rows_raw()
    run_raw(statements)
    # Interleaved, so a loaded machine slows all three alike.
    t_api, t_same, t_rows = timed_together(api, lambda: run_raw(statements), rows_raw)
    print(
        f"{label} ({found} of {n}, {size // 1024} KiB, {len(statements)} "
        f"statement(s)): API {t_api * 1000:.1f} ms; its statements raw "
        f"{t_same * 1000:.1f} ms -> {t_api / t_same:.2f}x "
        f"(+{(t_api - t_same) * 1000:.1f} ms); selector row query raw "
        f"{t_rows * 1000:.1f} ms -> {t_api / t_rows:.2f}x "
        f"(+{(t_api - t_rows) * 1000:.1f} ms)"
    )
    if os.environ.get("PETAKOTA_BENCH_PROFILE"):
        import cProfile
        import pstats

        profile = cProfile.Profile()
        profile.runcall(lambda: [api() for _ in range(20)])
        pstats.Stats(profile).sort_stats("tottime").print_stats(30)
    used: set[str] = set()
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(("EXPLAIN ANALYZE " if EXPLAIN else "EXPLAIN ") + sql)
            lines = [r[0] for r in cursor.fetchall()]
            if EXPLAIN:
                print(*(line[:160] for line in lines), sep="\n  ")
            used |= set(
                re.findall(
                    r"(?:Index (?:Only )?Scan using|Bitmap Index Scan on) (\w+)",
                    " ".join(lines),
                )
            )
    print(f"  indexes used: {', '.join(sorted(used)) or 'none'}")


EXPLAIN = bool(os.environ.get("PETAKOTA_BENCH_EXPLAIN"))


def main(n: int) -> None:
    city = City.objects.get(slug="kota-tangerang")
    start = time.perf_counter()
    fill(city, n)
    print(f"permits: {n} generated in {time.perf_counter() - start:.1f} s")
    measure(
        city,
        "permits in kecamatan, issued, expiring within 90 days",
        {
            "kecamatan": KECAMATAN,
            "status": "issued",
            "expiring_days": 90,
            "limit": 10_000,
        },
        n,
    )
    measure(
        city,
        f"permits within {RADIUS_M} m, nearest first",
        {"lon": NEAR[0], "lat": NEAR[1], "radius_m": RADIUS_M, "limit": 10_000},
        n,
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
