"""The measuring half of bench_jobs.sh (needs a migrated database with Kota
Tangerang onboarded): N vacancies, then "jobs within 5 km, nearest first" (the first
50, as the page and API list them) through the selector and through the JSON API,
each next to the same SQL run raw. Prints medians and ratios."""

from __future__ import annotations

import json
import math
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date

import django

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gis_platform.settings")
django.setup()

from django.contrib.gis.geos import Point  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from demo.jobs import load_occupations  # noqa: E402
from jobs.dates import city_today  # noqa: E402
from jobs.models import Employer, Occupation, Vacancy  # noqa: E402
from jobs.selectors import Search, search_body, vacancy_payload  # noqa: E402
from tenancy.models import AdminArea, City  # noqa: E402

RADIUS_M = 5000
LIMIT = 50
RUNS = 40


def make_vacancies(city: City, n: int) -> None:
    load_occupations(city)
    employer = Employer.objects.create(city=city, name="PT Bench")
    occupations = list(
        Occupation.objects.filter(city=city).values_list("pk", flat=True)
    )
    x0, y0, x1, y1 = city.boundary.extent
    table = Vacancy._meta.db_table
    kecamatan = AdminArea.objects.filter(city=city, level="kecamatan").first()
    # 80 % published, the rest drafts, waiting, rejected or closed; 10 % past their
    # closing date. Names from _meta; values are parameters.
    sql = f"""
        INSERT INTO {table} (city_id, employer_id, title, description, occupation_id,
            sector, openings, education, experience_years, salary_min, salary_max,
            employment_type, geom, kecamatan_id, address, apply_url, apply_address,
            posted_on, closes_on, status, rejection_reason, demo, created_at,
            updated_at)
        SELECT %(city)s, %(employer)s, 'Lowongan ' || g, 'Bench',
            (%(occ)s)[1 + g %% %(nocc)s],
            'C', 1 + g %% 10, 'SMA', g %% 5, 4900000, 6000000, 'FULL_TIME',
            ST_SetSRID(ST_MakePoint(%(x0)s + random() * %(dx)s,
                                    %(y0)s + random() * %(dy)s), 4326),
            %(kec)s, '', 'https://example.com', '',
            current_date - 5,
            CASE WHEN g %% 10 = 0 THEN current_date - 1 ELSE current_date + 30 END,
            CASE WHEN g %% 5 = 0
                 THEN (ARRAY['draft', 'submitted', 'rejected', 'closed'])[1 + g %% 4]
                 ELSE 'published' END,
            CASE WHEN g %% 5 = 0 AND g %% 4 = 2 THEN 'bench' ELSE '' END,
            false, now(), now()
        FROM generate_series(1, %(n)s) g
    """  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            {
                "city": city.pk,
                "employer": employer.pk,
                "occ": occupations,
                "nocc": len(occupations),
                "x0": x0,
                "y0": y0,
                "dx": x1 - x0,
                "dy": y1 - y0,
                "kec": kecamatan.pk if kecamatan else None,
                "n": n,
            },
        )
        cursor.execute(f"VACUUM ANALYZE {table}")


RAW = """
    SELECT v.id, v.title, v.description, v.sector, v.openings, v.education,
           v.experience_years, v.salary_min, v.salary_max, v.employment_type,
           ST_X(v.geom), ST_Y(v.geom), v.address, v.apply_url, v.apply_address,
           v.posted_on, v.closes_on, v.demo, e.name, e.verified, o.code, o.name,
           k.name, l.name,
           ST_Distance(v.geom::geography(Point,4326), ST_GeogFromText(%(pt)s), false)
    FROM jobs_vacancy v
    JOIN jobs_employer e ON e.id = v.employer_id
    JOIN jobs_occupation o ON o.id = v.occupation_id
    LEFT JOIN layers_adminarea k ON k.id = v.kecamatan_id
    LEFT JOIN layers_adminarea l ON l.id = v.kelurahan_id
    WHERE v.city_id = %(city)s AND v.status = 'published'
      AND v.posted_on <= %(today)s AND v.closes_on >= %(today)s
      AND v.geom::geography(Point,4326) && ST_MakeEnvelope(%(x0)s, %(y0)s, %(x1)s,
                                                        %(y1)s, 4326)::geography
      AND ST_Distance(v.geom::geography(Point,4326), ST_GeogFromText(%(pt)s), false)
          <= %(r)s
    ORDER BY v.geom::geography(Point,4326) <-> ST_GeogFromText(%(pt)s)
    LIMIT %(limit)s
"""


def box(p: Point) -> dict[str, float]:
    """The same box around the circle as jobs.db_functions.GeogEnvelope."""
    margin = 1.01 * RADIUS_M / 111_320
    cos_lat = max(math.cos(math.radians(p.y)), 0.01)
    return {
        "x0": p.x - margin / cos_lat,
        "y0": p.y - margin,
        "x1": p.x + margin / cos_lat,
        "y1": p.y + margin,
    }


def median_ms(fn: Callable[[Point], object], points: list[Point]) -> float:
    fn(points[0])  # warm
    times = []
    for p in points:
        start = time.perf_counter()
        fn(p)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def explain(city: City, p: Point, today: date, raw: Callable) -> None:
    """The plans of both queries (PETAKOTA_BENCH_EXPLAIN=1)."""
    from jobs.selectors import _with_names, near, public_vacancies, search_sql

    qs = near(_with_names(public_vacancies(city)), p, RADIUS_M)[:LIMIT]
    search = Search(point=p, within_km=RADIUS_M / 1000, limit=LIMIT)
    sql, params = search_sql(city, search, today)
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN ANALYZE {sql}", params)
        print("selector:\n" + "\n".join(r[0] for r in cursor.fetchall()))
        cursor.execute(
            f"EXPLAIN ANALYZE {RAW}",
            {
                "pt": p.ewkt,
                "city": city.pk,
                "today": today,
                "r": RADIUS_M,
                **box(p),
                "limit": LIMIT,
            },
        )
        print("raw:\n" + "\n".join(r[0] for r in cursor.fetchall()))
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        start = time.perf_counter()
        rows = list(qs)
        middle = time.perf_counter()
        [vacancy_payload(v) for v in rows]
        end = time.perf_counter()
    print(
        f"selector: {len(queries)} queries, query+objects {1000 * (middle - start):.1f}"
        f" ms, payload {1000 * (end - middle):.1f} ms"
    )


def main(n: int) -> None:
    city = City.objects.get(slug="kota-tangerang")
    start = time.perf_counter()
    make_vacancies(city, n)
    print(f"{n} vacancies written in {time.perf_counter() - start:.1f} s")
    today = city_today(city)
    rng = random.Random(7)  # noqa: S311 (reproducible positions, not secrets)
    x0, y0, x1, y1 = city.boundary.extent
    points = [
        Point(rng.uniform(x0, x1), rng.uniform(y0, y1), srid=4326) for _ in range(RUNS)
    ]

    def raw(p: Point) -> list[tuple]:
        with connection.cursor() as cursor:
            cursor.execute(
                RAW,
                {
                    "pt": p.ewkt,
                    "city": city.pk,
                    "today": today,
                    "r": RADIUS_M,
                    **box(p),
                    "limit": LIMIT,
                },
            )
            return cursor.fetchall()

    def selector(p: Point) -> str:
        search = Search(point=p, within_km=RADIUS_M / 1000, limit=LIMIT)
        # The body as the JSON API sends it (built by PostgreSQL).
        return search_body(city, search)

    client = Client()

    def api(p: Point) -> bytes:
        response = client.get(
            f"/api/{city.slug}/jobs/vacancies",
            {
                "lon": str(p.x),
                "lat": str(p.y),
                "within_km": str(RADIUS_M / 1000),
                "limit": str(LIMIT),
            },
        )
        assert response.status_code == 200, response.content  # noqa: S101
        return response.content

    # Same answers: the ids in the same order.
    for p in points[:5]:
        ids_raw = [row[0] for row in raw(p)]
        ids_sel = [row["id"] for row in json.loads(selector(p))["vacancies"]]
        if ids_raw != ids_sel:
            raise SystemExit(f"selector and raw SQL disagree at {p.ewkt}")
    if os.environ.get("PETAKOTA_BENCH_EXPLAIN"):
        explain(city, points[0], today, raw)
    t_raw = median_ms(raw, points)
    t_sel = median_ms(selector, points)
    t_api = median_ms(api, points)
    print(
        f'"jobs within {RADIUS_M // 1000} km, nearest first" ({LIMIT} rows), '
        f"median of {RUNS} places:"
    )
    print(f"  raw SQL   {t_raw:7.2f} ms")
    print(
        f"  selector  {t_sel:7.2f} ms  ratio {t_sel / t_raw:.2f}x "
        f"(+{t_sel - t_raw:.1f} ms)"
    )
    print(
        f"  JSON API  {t_api:7.2f} ms  ratio {t_api / t_raw:.2f}x "
        f"(+{t_api - t_raw:.1f} ms)  (HTTP stack and JSON included)"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
