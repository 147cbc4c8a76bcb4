"""The measuring half of bench_history.sh (needs a migrated database with the demo).

1. Import rate with history on and off, on the two write paths:
   - a whole-layer load (a layer's own partition, COPY): history records one
     bulk_load event;
   - an append into a layer that has features (INSERT ... SELECT into the shared
     table): below PETAKOTA_HISTORY_BULK_ROWS each feature gets its events, at or
     above it one bulk_load event. Also shown: the same append with per-feature
     events forced, the cost the bulk event avoids.
   "Off" disables the feature history triggers (ALTER TABLE ... DISABLE TRIGGER).
2. Latency of history requests: a feature's versions, the change log, and the
   layer's features `as_of` a past time.

Usage: bench_history.py [ROWS] [APPEND_ROWS]   (defaults 1,000,000 and 200,000)
"""

from __future__ import annotations

import csv
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import django

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gis_platform.settings")
django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from importers.services import NewLayer, import_file  # noqa: E402
from layers.models import Feature, FeatureEvent, Layer  # noqa: E402
from tenancy.models import City  # noqa: E402

LON, LAT = 106.6318, -6.1729
TRIGGERS = ("insert_insert", "update_update", "before_update", "delete_delete")


def write_points(path: Path, n: int, seed: int) -> Path:
    rng = random.Random(seed)  # noqa: S311 - reproducible bench data
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["lon", "lat", "nama", "jumlah"])
        for i in range(n):
            writer.writerow(
                [
                    f"{LON + rng.uniform(-0.05, 0.05):.6f}",
                    f"{LAT + rng.uniform(-0.05, 0.05):.6f}",
                    f"titik {i}",
                    i % 97,
                ]
            )
    return path


@contextmanager
def history_triggers(enabled: bool) -> Iterator[None]:
    """The feature history triggers on or off for the duration."""
    action = "ENABLE" if enabled else "DISABLE"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = 'layers_feature'::regclass "
            "AND tgname LIKE 'pgtrigger_%%'"
        )
        names = [n for (n,) in cursor.fetchall() if n.split("_", 1)[1][:-6] in TRIGGERS]
        for name in names:
            cursor.execute(f"ALTER TABLE layers_feature {action} TRIGGER {name}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            for name in names:
                cursor.execute(f"ALTER TABLE layers_feature ENABLE TRIGGER {name}")


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def whole_layer_rate(city: City, path: Path, rows: int, slug: str, on: bool) -> float:
    with history_triggers(on):
        seconds = timed(
            lambda: import_file(
                path,
                new_layer=NewLayer(city=city, slug=slug, title=slug),
                mode="create",
            )
        )
    return rows / seconds


def append_rate(
    city: City, path: Path, rows: int, slug: str, on: bool, bulk_rows: int
) -> float:
    layer = Layer.objects.create(
        city=city, slug=slug, title=slug, dimension="living", geometry_type="Point"
    )
    Feature.objects.create(
        city=city, layer=layer, geom=f"SRID=4326;POINT({LON} {LAT})", properties={}
    )
    settings.PETAKOTA_HISTORY_BULK_ROWS = bulk_rows
    with history_triggers(on):
        seconds = timed(lambda: import_file(path, layer=layer, mode="append"))
    return rows / seconds


def latency_ms(client: Client, url: str, n: int = 30) -> float:
    times = []
    for _ in range(n):
        start = time.perf_counter()
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"{url}: HTTP {response.status_code}")
        if response.streaming:
            b"".join(response.streaming_content)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main(rows: int, append_rows: int) -> None:
    city = City.objects.get(slug="kota-tangerang")
    with tempfile.TemporaryDirectory() as folder:
        big = write_points(Path(folder) / "big.csv", rows, 1)
        small = write_points(Path(folder) / "append.csv", append_rows, 2)
        # Each measured twice, alternating, the better kept (a shared machine).
        print(f"==> Import rate, whole layer ({rows:,} points, own partition)")
        off = on = 0.0
        for run in range(2):
            off = max(
                off, whole_layer_rate(city, big, rows, f"bench-h-off{run}", False)
            )
            on = max(on, whole_layer_rate(city, big, rows, f"h-on{run}", True))
        print(f"  history off  {off:12,.0f} features/s")
        print(f"  history on   {on:12,.0f} features/s  (cost {1 - on / off:+.1%})")
        print(f"==> Import rate, append into a layer ({append_rows:,} points)")
        n = append_rows
        off = bulk = each = 0.0
        for run in range(2):
            off = max(off, append_rate(city, small, n, f"a-off{run}", False, 1))
            bulk = max(bulk, append_rate(city, small, n, f"a-bulk{run}", True, 1))
            each = max(each, append_rate(city, small, n, f"a-each{run}", True, 10**9))
        print(f"  history off              {off:12,.0f} features/s")
        print(
            f"  history on, one event    {bulk:12,.0f} features/s  "
            f"(cost {1 - bulk / off:+.1%})"
        )
        print(
            f"  history on, per feature  {each:12,.0f} features/s  "
            f"(cost {1 - each / off:+.1%})"
        )
    print("==> History requests (median of 30, Django test client)")
    layer = Layer.objects.get(city=city, slug="a-each1")
    feature = Feature.objects.filter(layer=layer).order_by("id")[10]
    for i in range(20):
        feature.properties = {"nama": f"versi {i}", "jumlah": i}
        feature.save()
    past = datetime.now(UTC)
    Feature.objects.filter(pk=feature.pk).update(properties={"nama": "sekarang"})
    events = FeatureEvent.objects.filter(layer_id=layer.pk).count()
    client = Client()
    base = f"/api/{city.slug}/layers/{layer.slug}"
    print(f"  (layer of {append_rows + 1:,} features, {events:,} events)")
    for label, url in (
        ("feature versions", f"{base}/features/{feature.pk}/history"),
        ("change log (100)", f"{base}/history"),
        ("features, limit 100", f"{base}/features?limit=100"),
        (
            "features as_of, limit 100",
            f"{base}/features?limit=100&as_of={quote(past.isoformat())}",
        ),
    ):
        print(f"  {label:28s} {latency_ms(client, url):8.1f} ms")


if __name__ == "__main__":
    main(
        int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000,
        int(sys.argv[2]) if len(sys.argv) > 2 else 200_000,
    )
