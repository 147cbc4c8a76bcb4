"""The measuring half of bench_dashboard.sh (needs a migrated database with the
city onboarded and its report categories).

Loads N simulated reports over two years with their timeline (submitted, responded,
resolved, closed, reopened) by SQL, then times the dashboard's whole page data
(dashboard.payload.figures + the first feed call) and the same SQL statements
executed raw through psycopg (captured from that run), and prints the ratio."""

from __future__ import annotations

import os
import statistics
import sys
import time

import django

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gis_platform.settings")
django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from dashboard import payload  # noqa: E402
from dashboard.selectors import Clock, Filters  # noqa: E402
from reports.models import Category, Report, ReportEvent  # noqa: E402
from tenancy.models import AdminArea, City  # noqa: E402

RUNS = 5


def load(city: City, n: int) -> None:
    report, event = Report._meta.db_table, ReportEvent._meta.db_table
    actor = get_user_model().objects.create(username="bench-operator").pk
    with connection.cursor() as cur:
        cur.execute("CREATE TEMP TABLE cats (idx serial, id int, sla int, agency int)")
        for c in Category.objects.filter(city=city):
            cur.execute(
                "INSERT INTO cats (id, sla, agency) VALUES (%s, %s, %s)",
                [c.pk, c.sla_hours, c.agency_id],
            )
        cur.execute(
            "CREATE TEMP TABLE kels (idx serial, id int, parent int, pt geometry)"
        )
        table = AdminArea._meta.db_table
        cur.execute(
            f"INSERT INTO kels (id, parent, pt) SELECT id, parent_id, "  # noqa: S608
            f"ST_PointOnSurface(geom) FROM {table} "
            "WHERE city_id = %s AND level = 'kelurahan' ORDER BY id",
            [city.pk],
        )
        cur.execute("SELECT count(*) FROM cats")
        ncat = cur.fetchone()[0]
        cur.execute("SELECT count(*) FROM kels")
        nkel = cur.fetchone()[0]
        start = time.perf_counter()
        # A bulk load of simulated rows: no per-row triggers (the record history's
        # would write a million JSON rows; the public point is set to the point).
        cur.execute("SET session_replication_role = replica")
        # Simulated data; table names from _meta, values as parameters.
        cur.execute(
            f"""
WITH s AS (
  SELECT g, (1 + floor(random() * %(ncat)s))::int AS ci,
         (1 + floor(random() * %(nkel)s))::int AS ki,
         now() - random() * interval '730 days' AS created,
         random() AS fate, random() AS r2, random() AS r3
  FROM generate_series(1, %(n)s) g
)
INSERT INTO {report} (city_id, category_id, ticket, client_uuid, status, geom,
  public_geom, location_source, kelurahan_id, kecamatan_id, agency_id, description,
  address, answers, contact_name, contact_email, contact_phone, channel,
  supporter_count, due_at, created_at, updated_at, resolved_at)
SELECT %(city)s, c.id, 'B' || lpad(g::text, 8, '0'), gen_random_uuid(),
  CASE WHEN fate < 0.05 THEN 'rejected'
       WHEN fate < 0.55 AND created + interval '1 hour' * (1 + r2 * 300) < now()
         THEN CASE WHEN r3 < 0.5 THEN 'resolved' ELSE 'closed' END
       WHEN fate < 0.7 THEN 'in_progress' WHEN fate < 0.85 THEN 'assigned'
       ELSE 'submitted' END,
  k.pt, k.pt, 'gps', k.id, k.parent, c.agency, 'bench (simulated)', '', '{{}}',
  '', '', '', 'web', 0, created + c.sla * interval '1 hour', created,
  least(now(), created + interval '1 hour' * r2 * 400),
  CASE WHEN fate >= 0.05 AND fate < 0.55
        AND created + interval '1 hour' * (1 + r2 * 300) < now()
       THEN created + interval '1 hour' * (1 + r2 * 300) END
FROM s JOIN cats c ON c.idx = s.ci JOIN kels k ON k.idx = s.ki
""",  # noqa: S608
            {"ncat": ncat, "nkel": nkel, "n": n, "city": city.pk},
        )
        # Submitted; a staff response for all but a tenth of the open and the
        # rejected; resolved; reopened (one in twelve of those in progress).
        cur.execute(
            f"""
INSERT INTO {event} (city_id, report_id, kind, from_status, to_status, note, public, at,
  actor_id)
SELECT city_id, id, 'created', '', 'submitted', '', true, created_at, NULL
FROM {report} WHERE city_id = %(city)s
UNION ALL
SELECT city_id, id, 'assigned', 'verified', 'assigned', '', false,
  least(now(), created_at + (id %% 40) * interval '1 hour'), %(actor)s
FROM {report} WHERE city_id = %(city)s AND (status <> 'submitted' OR id %% 10 <> 0)
UNION ALL
SELECT city_id, id, 'status', 'in_progress', 'resolved', '', true, resolved_at,
  %(actor)s
FROM {report} WHERE city_id = %(city)s AND resolved_at IS NOT NULL
UNION ALL
SELECT city_id, id, 'reopened', 'resolved', 'in_progress', '', true, updated_at, NULL
FROM {report} WHERE city_id = %(city)s AND status = 'in_progress' AND id %% 12 = 0
""",  # noqa: S608
            {"city": city.pk, "actor": actor},
        )
        cur.execute("SET session_replication_role = DEFAULT")
        # What autovacuum does to a settled table (visibility map, statistics).
        cur.execute(f"VACUUM ANALYZE {report}")
        cur.execute(f"VACUUM ANALYZE {event}")
        cur.execute(f"SELECT count(*) FROM {event}")  # noqa: S608
        events = cur.fetchone()[0]
    print(
        f"loaded {n} reports and {events} timeline events "
        f"in {time.perf_counter() - start:.1f} s"
    )


def page_data(city: City, f: Filters) -> None:
    payload.figures(city, f, Clock.of(city))
    payload.feed(city, f, 0)


def measure(city: City, f: Filters, label: str) -> None:
    page_data(city, f)  # warm caches and plans
    with CaptureQueriesContext(connection) as captured:
        page_data(city, f)
    statements = [q["sql"] for q in captured.captured_queries]
    django_times, raw_times = [], []
    each: dict[int, list[float]] = {i: [] for i in range(len(statements))}
    for _run in range(RUNS):
        start = time.perf_counter()
        page_data(city, f)
        django_times.append(time.perf_counter() - start)
        raw = connection.connection  # the same psycopg connection, no Django
        start = time.perf_counter()
        for i, sql in enumerate(statements):
            began = time.perf_counter()
            with raw.cursor() as cur:
                cur.execute(sql.encode())
                cur.fetchall()
            each[i].append(time.perf_counter() - began)
        raw_times.append(time.perf_counter() - start)
    page, base = statistics.median(django_times), statistics.median(raw_times)
    print(
        f"{label}: whole page data {page * 1000:.0f} ms "
        f"({len(statements)} statements), raw SQL {base * 1000:.0f} ms, "
        f"ratio {page / base:.2f}x; target < 1000 ms: "
        f"{'ok' if page < 1.0 else 'MISSED'}"
    )
    slowest = sorted(each, key=lambda i: -statistics.median(each[i]))[:3]
    for i in slowest:
        head = " ".join(statements[i].split())[:70]
        print(f"  {statistics.median(each[i]) * 1000:6.0f} ms  {head}")
    if os.environ.get("BENCH_EXPLAIN"):
        with connection.cursor() as cur:
            cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + statements[slowest[0]])
            print("\n".join(r[0] for r in cur.fetchall()))


def main() -> None:
    n = int(sys.argv[1])
    city = City.objects.get(slug="kota-tangerang")
    load(city, n)
    measure(city, Filters(), f"dashboard, {n} reports, no filter")
    sampah = Category.objects.get(city=city, code="sampah")
    kecamatan = AdminArea.objects.filter(city=city, level="kecamatan").first()
    measure(
        city,
        Filters(category=sampah, kecamatan=kecamatan),
        "dashboard, one category in one kecamatan",
    )


if __name__ == "__main__":
    main()
