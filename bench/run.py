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
from layers.models import City  # noqa: E402

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


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 1 << z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


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
        frac = math.sqrt(n / 1_000_000)
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
    # Tiles: z10-z16 around the centre; cold = first render, cached = second.
    from django.db import connection

    lon, lat = (minx + maxx) / 2, (miny + maxy) / 2
    for label, source in (
        ("points", points),
        ("polygons", source_for(city, AnonymousUser(), layers["polygons"].slug)),
    ):
        cold_web, cold_db, hot_web = [], [], []
        for z in range(10, 17):
            cx, cy = tile_of(lon, lat, z)
            for dx in (0, 1):
                x, y = cx + dx, cy
                sql = tile_sql(source, TileId(z, x, y))
                # "Cold" means not in the tile cache; both sides then read the same
                # warm shared buffers (otherwise whichever runs first pays the I/O).
                raw(*sql, False)
                with connection.cursor() as cur:
                    cur.execute("TRUNCATE layers_tilecache")
                path = f"/tiles/{CITY}/{source.key}/{z}/{x}/{y}.mvt"
                ms, status, _ = http_.get(path)
                if status != 200:
                    raise RuntimeError(f"{path}: HTTP {status}")
                cold_web.append(ms)
                cold_db.append(raw(*sql, False))
                for _ in range(3):
                    hot_web.append(http_.get(path)[0])
        rows.append(
            (
                f"MVT {label} z10-16 cold",
                statistics.median(cold_web),
                pct(cold_web, 95),
                statistics.median(cold_db),
                pct(cold_db, 95),
                "",
            )
        )
        rows.append(
            (
                f"MVT {label} z10-16 cached",
                statistics.median(hot_web),
                pct(hot_web, 95),
                statistics.median(cold_db),
                pct(cold_db, 95),
                "",
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
    cold = {r[0]: r[1] for r in rows}
    for label in ("points", "polygons"):
        c, h = cold[f"MVT {label} z10-16 cold"], cold[f"MVT {label} z10-16 cached"]
        print(f"cached vs cold tile ({label}): {c / h:.1f}x faster")
    print("worker RSS (KiB) after GeoJSON responses of n features:", rss)


if __name__ == "__main__":
    main()
