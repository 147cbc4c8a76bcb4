"""The measuring half of bench_permits.sh (needs a migrated database with the demo)."""

from __future__ import annotations

import os
import re
import statistics
import sys
import time
from datetime import timedelta

import django

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gis_platform.settings")
django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from permits.models import Permit, PermitType  # noqa: E402
from permits.selectors import (  # noqa: E402
    PermitFilter,
    city_today,
    filtered,
    public_rows,
    visible_permits,
)
from tenancy.models import AdminArea, City  # noqa: E402

RUNS = 15
KECAMATAN = "36.71.01"  # Kecamatan Tangerang


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


def main(n: int) -> None:
    city = City.objects.get(slug="kota-tangerang")
    start = time.perf_counter()
    fill(city, n)
    print(f"permits: {n} generated in {time.perf_counter() - start:.1f} s")
    area = AdminArea.objects.get(city=city, code=KECAMATAN)
    f = PermitFilter(status=("issued",), kecamatan=area, expiring_days=90, limit=10_000)
    rows = filtered(visible_permits(city, None), f, city_today(city))
    # The selector's own SQL (joins for type and area names, ST_X/ST_Y), run raw.
    sql, params = public_rows(rows)[: f.limit].query.sql_with_params()
    raw_sql = (
        f"SELECT t.id, t.number, ST_AsBinary(t.point) FROM {Permit._meta.db_table} t "  # noqa: S608
        "WHERE t.city_id = %s AND t.status = 'issued' AND t.expires_date >= %s "
        "AND t.expires_date <= %s AND ST_Intersects(t.point, "
        "(SELECT geom FROM layers_adminarea WHERE city_id = %s AND code = %s)) "
        "ORDER BY t.expires_date, t.id LIMIT 10000"
    )
    today = city_today(city)
    raw_params = [city.pk, today, today + timedelta(days=90), city.pk, KECAMATAN]

    def raw() -> int:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return len(cursor.fetchall())

    def handwritten() -> int:
        with connection.cursor() as cursor:
            cursor.execute(raw_sql, raw_params)
            return len(cursor.fetchall())

    client = Client()
    url = f"/api/{city.slug}/permits/"
    query = {
        "kecamatan": KECAMATAN,
        "status": "issued",
        "expiring_days": 90,
        "limit": 10000,
    }

    def api() -> int:
        response = client.get(url, query)
        if response.status_code != 200:
            raise RuntimeError(response.content[:200])
        return len(response.content)

    def selector() -> int:
        # The same work without HTTP: parse, query, shape the FeatureCollection.
        from permits.api_views import parse_filter
        from permits.selectors import feature_collection

        parsed = parse_filter({k: str(v) for k, v in query.items()}, city)
        chosen = filtered(visible_permits(city, None), parsed, city_today(city))
        return len(feature_collection(chosen, parsed.limit)["features"])

    found = raw()
    api()
    raw()  # warm both
    t_raw = timed(raw)
    t_api = timed(api)
    t_sel = timed(selector)
    t_hand = timed(handwritten)
    print(
        f"selector without HTTP: {t_sel * 1000:.1f} ms; hand-written SQL "
        f"(ids and points only): {t_hand * 1000:.1f} ms"
    )
    print(
        f"permits in kecamatan, issued, expiring within 90 days ({found} of {n}): "
        f"API {t_api * 1000:.1f} ms, raw SQL {t_raw * 1000:.1f} ms, "
        f"ratio {t_api / t_raw:.2f}x (+{(t_api - t_raw) * 1000:.1f} ms)"
    )
    if os.environ.get("PETAKOTA_BENCH_PROFILE"):
        import cProfile
        import pstats

        profile = cProfile.Profile()
        profile.runcall(lambda: [selector() for _ in range(5)])
        pstats.Stats(profile).sort_stats("cumulative").print_stats(25)
    if os.environ.get("PETAKOTA_BENCH_EXPLAIN"):
        with connection.cursor() as cursor:
            for label, query_sql, query_params in (
                ("api", sql, params),
                ("raw", raw_sql, raw_params),
            ):
                cursor.execute("EXPLAIN ANALYZE " + query_sql, query_params)
                lines = [r[0][:160] for r in cursor.fetchall()]
                print(label, *lines, sep="\n  ")
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql, params)
        plan = " ".join(r[0] for r in cursor.fetchall())
    used = sorted(
        set(
            re.findall(
                r"(?:Index (?:Only )?Scan using|Bitmap Index Scan on) (\w+)", plan
            )
        )
    )
    print(f"indexes used: {', '.join(used) or 'none'}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
