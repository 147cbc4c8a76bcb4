"""Run the benchmark: `python -m bench.run --port N` with DATABASE_URL set and a
gunicorn serving the project on 127.0.0.1:N. Prints p50/p95 of each hot path over
real HTTP next to the identical SQL run raw, and their ratio."""

from __future__ import annotations

import argparse
import http.client
import math
import os
import platform
import statistics
import time
from collections.abc import Callable
from typing import Any

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gis_platform.settings")
django.setup()

import psycopg  # noqa: E402
from django.conf import settings  # noqa: E402

from bench.data import BBOX, generate  # noqa: E402
from layers.engine import spatial  # noqa: E402
from layers.engine.geojson import FETCH_ROWS, uses_server_cursor  # noqa: E402
from layers.engine.registry import source_for  # noqa: E402
from layers.engine.requests import query_from_params  # noqa: E402
from layers.engine.sql import feature_rows_sql  # noqa: E402
from layers.engine.tiles import TileId, tile_sql  # noqa: E402
from layers.models import TileCache  # noqa: E402
from tenancy.models import City  # noqa: E402

CITY = "kota-tangerang"


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, math.ceil(p / 100 * len(ordered)) - 1))
    return ordered[k]


class Http:
    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def get(self, path: str) -> tuple[float, int, int]:
        try:
            return self._get(path)
        except (http.client.RemoteDisconnected, ConnectionError):
            # The server closed an idle keep-alive connection: reconnect, like a
            # browser would, and time the request again.
            self.conn.close()
            return self._get(path)

    def _get(self, path: str) -> tuple[float, int, int]:
        start = time.perf_counter()
        self.conn.request("GET", path)
        response = self.conn.getresponse()
        data = response.read()
        elapsed = (time.perf_counter() - start) * 1000
        return elapsed, response.status, len(data)


def raw_timer(dsn: str) -> Callable[[str, list[Any], bool], float]:
    # The same session settings as the application's connections.
    options = settings.DATABASES["default"]["OPTIONS"].get("options", "")
    conn = psycopg.connect(dsn, autocommit=True, options=options)

    def run(sql: str, params: list[Any], named: bool = False) -> float:
        start = time.perf_counter()
        if named:
            with conn.transaction(), conn.cursor(name="bench") as cur:
                cur.execute(sql, params)
                while rows := cur.fetchmany(FETCH_ROWS):
                    ",".join([r[1] for r in rows])
        else:
            with conn.cursor() as cur:
                cur.execute(sql, params)
                cur.fetchall()
        return (time.perf_counter() - start) * 1000

    return run


# PostgreSQL's defaults for what a session may set; the chosen values come from the
# cluster's petakota.conf and the app's session options (RESET ALL returns to them).
STOCK_SESSION = {
    "jit": "on",
    "work_mem": "4MB",
    "random_page_cost": "4",
    "effective_cache_size": "4GB",
    "effective_io_concurrency": "1",
    "max_parallel_workers_per_gather": "2",
}


def session_ab(
    dsn: str, cases: list[tuple[str, str, list[Any]]], repeat: int
) -> list[tuple[str, float, float]]:
    """(case, stock p50 ms, chosen p50 ms): the same raw SQL, stock and chosen
    session settings alternating on one connection, so machine load hits both."""
    options = settings.DATABASES["default"]["OPTIONS"].get("options", "")
    results = []
    with psycopg.connect(dsn, autocommit=True, options=options) as conn:
        for name, sql, params in cases:
            conn.execute(sql, params).fetchall()  # warm buffers and caches
            stock, chosen = [], []
            for _ in range(repeat):
                for name_value in STOCK_SESSION.items():
                    conn.execute("SELECT set_config(%s, %s, false)", list(name_value))
                start = time.perf_counter()
                conn.execute(sql, params).fetchall()
                stock.append((time.perf_counter() - start) * 1000)
                conn.execute("RESET ALL")
                start = time.perf_counter()
                conn.execute(sql, params).fetchall()
                chosen.append((time.perf_counter() - start) * 1000)
            results.append((name, statistics.median(stock), statistics.median(chosen)))
    return results


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 1 << z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


def clear_tile(source: Any, tile: TileId) -> None:
    """Delete one tile's cache row, so the next request renders it."""
    TileCache.objects.filter(
        city_id=source.city_id,
        source_key=source.cache_id,
        z=tile.z,
        x=tile.x,
        y=tile.y,
    ).delete()


# What the run used: the cluster's settings plus the app session's own (OPTIONS).
REPORTED_SETTINGS = (
    "server_version",
    "jit",
    "shared_buffers",
    "work_mem",
    "maintenance_work_mem",
    "effective_cache_size",
    "random_page_cost",
    "effective_io_concurrency",
    "max_parallel_workers_per_gather",
    "parallel_setup_cost",
    "default_toast_compression",
    "fsync",
    "synchronous_commit",
)


def database_settings() -> list[tuple[str, str, str]]:
    """(name, value, where it came from) as the application's sessions see them."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, current_setting(name), source FROM pg_settings "
            "WHERE name = ANY(%s) ORDER BY array_position(%s, name)",
            [list(REPORTED_SETTINGS), list(REPORTED_SETTINGS)],
        )
        return [tuple(row) for row in cursor.fetchall()]


def worker_rss_kb(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/status") as fh:
                for line in fh:
                    if line.startswith("VmRSS:"):
                        total = max(total, int(line.split()[1]))
        except OSError:
            pass
    return total


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dsn", required=True)
    parser.add_argument("--workers", default="")
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    t0 = time.perf_counter()
    layers = generate()
    print(f"data ready in {time.perf_counter() - t0:.0f} s", flush=True)
    print("database settings (as the app's sessions see them):")
    for name, value, where in database_settings():
        print(f"  {name:32} {value:>12}  ({where})")
    counts = {k: layer.features.count() for k, layer in layers.items()}
    print(f"features: {counts}", flush=True)
    city = City.objects.get(slug=CITY)
    from django.contrib.auth.models import AnonymousUser

    points = source_for(city, AnonymousUser(), layers["points"].slug)
    http_ = Http(args.port)
    raw = raw_timer(args.dsn)
    worker_pids = [int(p) for p in args.workers.split(",") if p]
    rows: list[tuple[str, float, float, float, float, str]] = []

    def measure(
        name: str,
        path: str,
        sql: tuple[str, list[Any]] | None,
        named: bool = False,
        repeat: int = args.repeat,
    ) -> None:
        http_.get(path)  # warm
        if sql:
            raw(sql[0], sql[1], named)
        web, db = [], []
        size = 0
        for _ in range(repeat):
            ms, status, size = http_.get(path)
            if status != 200:
                raise RuntimeError(f"{path}: HTTP {status}")
            web.append(ms)
            if sql:
                db.append(raw(sql[0], sql[1], named))
        rows.append(
            (
                name,
                statistics.median(web),
                pct(web, 95),
                statistics.median(db) if db else float("nan"),
                pct(db, 95) if db else float("nan"),
                f"{size / 1024:.0f} KiB",
            )
        )
        print(f"  {name}: done", flush=True)

    minx, miny, maxx, maxy = BBOX
    base = f"/api/{CITY}/layers/{points.key}/features"
    rss = []
    for n in (1_000, 10_000, 50_000):
        frac = math.sqrt(min(1.0, n / counts["points"]))
        bbox = (minx, miny, minx + (maxx - minx) * frac, miny + (maxy - miny) * frac)
        params = {"bbox": ",".join(f"{v:.6f}" for v in bbox), "limit": str(n)}
        query = query_from_params(points, params)
        sql = feature_rows_sql(points, query, extra=1)
        qs = "&".join(f"{k}={v}" for k, v in params.items())
        measure(
            f"GeoJSON bbox ~{n // 1000}k",
            f"{base}?{qs}",
            sql,
            # The same way the endpoint reads: plain for bounded pages, else named.
            named=uses_server_cursor(query),
            repeat=max(5, args.repeat // (2 if n >= 50_000 else 1)),
        )
        rss.append((n, worker_rss_kb(worker_pids)))
    ogc_params = {"limit": "100"}
    query = query_from_params(points, ogc_params)
    measure(
        "OGC items page (100)",
        f"/ogc/{CITY}/collections/{points.key}/items?limit=100",
        feature_rows_sql(points, query, extra=1),
        named=uses_server_cursor(query),
    )
    # Tiles around the centre. First view = not in the tile cache: the tile's cache
    # row is deleted before each timed request (the way a person meets most tiles);
    # cached = the same tile requested again.
    lon, lat = (minx + maxx) / 2, (miny + maxy) / 2
    groups = (
        ("sparse points", "sparse", range(12, 17)),
        ("dense points", "points", range(10, 17)),
        ("polygons", "polygons", range(10, 17)),
    )
    for label, layer_key, zooms in groups:
        source = source_for(city, AnonymousUser(), layers[layer_key].slug)
        cold_web, cold_db, hot_web = [], [], []
        for z in zooms:
            cx, cy = tile_of(lon, lat, z)
            for dx in (0, 1):
                tile = TileId(z, cx + dx, cy)
                sql = tile_sql(source, tile)
                # Both sides then read the same warm shared buffers (otherwise
                # whichever runs first pays the I/O).
                raw(*sql, False)
                clear_tile(source, tile)
                path = f"/tiles/{CITY}/{source.key}/{tile.z}/{tile.x}/{tile.y}.mvt"
                ms, status, _ = http_.get(path)
                if status != 200:
                    raise RuntimeError(f"{path}: HTTP {status}")
                cold_web.append(ms)
                cold_db.append(raw(*sql, False))
                for _ in range(3):
                    hot_web.append(http_.get(path)[0])
        z_range = f"z{zooms[0]}-{zooms[-1]}"
        for kind, web in (("first view", cold_web), ("cached", hot_web)):
            rows.append(
                (
                    f"MVT {label} {z_range} {kind}",
                    statistics.median(web),
                    pct(web, 95),
                    statistics.median(cold_db),
                    pct(cold_db, 95),
                    f"{len(cold_web)} tiles" if kind == "first view" else "",
                )
            )
        print(f"  tiles {label}: done", flush=True)
    near = query_from_params(points, {})
    measure(
        "nearest 10",
        f"/api/{CITY}/layers/{points.key}/nearest?lon={lon}&lat={lat}&n=10",
        spatial.nearest_sql(points, near, (lon, lat), 10),
    )
    measure(
        "within 500 m",
        f"/api/{CITY}/layers/{points.key}/near?lon={lon}&lat={lat}&radius_m=500",
        spatial.within_distance_sql(points, near, (lon, lat), 500),
    )
    measure(
        "count per kecamatan",
        f"/api/{CITY}/layers/{points.key}/counts?level=kecamatan",
        spatial.counts_sql(points, near, "kecamatan"),
        repeat=5,
    )

    # Stock vs chosen session settings on the raw SQL of each hot path
    # (shared_buffers needs a restart: PETAKOTA_PG_TUNING=stock make bench).
    ab_cases = []
    # A low zoom (big estimated cost: where JIT kicks in) and a high one per group.
    for label, layer_key, z in (
        ("sparse points", "sparse", 12),
        ("sparse points", "sparse", 15),
        ("dense points", "points", 13),
        ("dense points", "points", 16),
        ("polygons", "polygons", 12),
        ("polygons", "polygons", 16),
    ):
        source = source_for(city, AnonymousUser(), layers[layer_key].slug)
        cx, cy = tile_of(lon, lat, z)
        ab_cases.append((f"tile {label} z{z}", *tile_sql(source, TileId(z, cx, cy))))
    for n in (1_000, 10_000):
        frac = math.sqrt(min(1.0, n / counts["points"]))
        bbox = (minx, miny, minx + (maxx - minx) * frac, miny + (maxy - miny) * frac)
        params = {"bbox": ",".join(f"{v:.6f}" for v in bbox), "limit": str(n)}
        ab_cases.append(
            (
                f"GeoJSON page ~{n // 1000}k",
                *feature_rows_sql(points, query_from_params(points, params), extra=1),
            )
        )
    ab_cases.append(("nearest 10", *spatial.nearest_sql(points, near, (lon, lat), 10)))
    ab_cases.append(
        ("count per kecamatan", *spatial.counts_sql(points, near, "kecamatan"))
    )
    ab = session_ab(args.dsn, ab_cases, repeat=max(3, args.repeat // 3))
    print("  session settings stock vs chosen: done", flush=True)

    ram_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    print()
    print(
        f"machine: {platform.platform()}, {os.cpu_count()} CPUs, "
        f"{ram_gib:.0f} GiB RAM, Python {platform.python_version()}, "
        f"max page {settings.PETAKOTA_MAX_PAGE_SIZE}"
    )
    print(
        f"{'hot path':32} {'HTTP p50':>9} {'p95':>8} {'raw p50':>9} {'p95':>8} "
        f"{'ratio':>6}  size"
    )
    for name, wp50, wp95, dp50, dp95, size in rows:
        ratio = wp50 / dp50 if dp50 == dp50 and dp50 > 0 else float("nan")
        print(
            f"{name:32} {wp50:9.1f} {wp95:8.1f} {dp50:9.1f} {dp95:8.1f} "
            f"{ratio:6.2f}  {size}"
        )
    web_p50 = {r[0]: r[1] for r in rows}
    for label, _key, zooms in groups:
        name = f"MVT {label} z{zooms[0]}-{zooms[-1]}"
        c, h = web_p50[f"{name} first view"], web_p50[f"{name} cached"]
        print(f"cached vs first-view tile ({label}): {c / h:.1f}x faster")
    print("worker RSS (KiB) after GeoJSON responses of n features:", rss)
    print()
    print(
        "raw SQL, stock session settings ("
        + ", ".join(f"{k}={v}" for k, v in STOCK_SESSION.items())
        + ") vs the chosen ones, interleaved:"
    )
    print(f"{'query':32} {'stock p50':>10} {'chosen p50':>11} {'speed-up':>9}")
    for name, stock_ms, chosen_ms in ab:
        gain = stock_ms / chosen_ms
        print(f"{name:32} {stock_ms:10.1f} {chosen_ms:11.1f} {gain:8.1f}x")


if __name__ == "__main__":
    main()
