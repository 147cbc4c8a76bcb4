"""The measuring half of bench_reports.sh (needs a migrated database with the demo)."""

from __future__ import annotations

import os
import random
import sys
import time
import uuid

import django

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gis_platform.settings")
django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from reports.models import Report  # noqa: E402
from tenancy.models import City  # noqa: E402

# Points spread over central Kota Tangerang.
LON, LAT = 106.6318, -6.1729


def points(n: int, seed: int) -> list[tuple[float, float]]:
    # Reproducible positions for a benchmark, not security.
    rng = random.Random(seed)  # noqa: S311
    return [
        (LON + rng.uniform(-0.01, 0.01), LAT + rng.uniform(-0.01, 0.01))
        for _ in range(n)
    ]


def api_rate(city: City, n: int) -> float:
    client = Client()
    url = f"/api/{city.slug}/reports/"
    start = time.perf_counter()
    for lon, lat in points(n, 1):
        response = client.post(
            url,
            {
                "client_uuid": str(uuid.uuid4()),
                "category": "sampah",
                "lon": lon,
                "lat": lat,
                "description": "Sampah menumpuk (bench)",
            },
        )
        if response.status_code != 201:
            raise SystemExit(f"submission failed: {response.content!r}")
    return n / (time.perf_counter() - start)


def raw_rate(city: City, n: int) -> float:
    """The same rows (area, agency, due time already known) by one INSERT each."""
    sample = Report.objects.filter(city=city).first()
    table = Report._meta.db_table
    cols = [
        "city_id",
        "category_id",
        "ticket",
        "client_uuid",
        "status",
        "geom",
        "public_geom",
        "kelurahan_id",
        "kecamatan_id",
        "agency_id",
        "description",
        "address",
        "answers",
        "contact_name",
        "contact_email",
        "contact_phone",
        "channel",
        "supporter_count",
        "due_at",
        "created_at",
        "updated_at",
        "location_source",
    ]
    columns = ", ".join(
        Report._meta.get_field(c.removesuffix("_id")).column for c in cols
    )
    # Table and column names from _meta; every value is a parameter.
    sql = (
        f"INSERT INTO {table} ({columns}) VALUES (%s, %s, %s, %s, 'submitted', "  # noqa: S608
        "ST_SetSRID(ST_MakePoint(%s, %s), 4326), "
        "ST_SetSRID(ST_MakePoint(%s, %s), 4326), "
        "%s, %s, %s, %s, '', '{}', '', '', '', 'web', 0, now(), now(), now(), 'gps')"
    )
    start = time.perf_counter()
    with connection.cursor() as cursor:
        for i, (lon, lat) in enumerate(points(n, 2)):
            cursor.execute(
                sql,
                [
                    city.pk,
                    sample.category_id,
                    f"RAW{i:05d}"[:9],
                    str(uuid.uuid4()),
                    lon,
                    lat,
                    lon,
                    lat,
                    sample.kelurahan_id,
                    sample.kecamatan_id,
                    sample.agency_id,
                    "Sampah menumpuk (bench)",
                ],
            )
    return n / (time.perf_counter() - start)


def visible_after(city: City) -> float:
    """Seconds from a submission's answer to the ticket appearing in the GeoJSON."""
    client = Client()
    start = time.perf_counter()
    ticket = client.post(
        f"/api/{city.slug}/reports/",
        {
            "client_uuid": str(uuid.uuid4()),
            "category": "sampah",
            "lon": LON,
            "lat": LAT,
            "description": "visibility probe",
        },
    ).json()["ticket"]
    while True:
        response = client.get(f"/api/{city.slug}/reports/public.geojson")
        if ticket in b"".join(response.streaming_content).decode():
            return time.perf_counter() - start


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    city = City.objects.get(slug="kota-tangerang")
    api = api_rate(city, n)
    raw = raw_rate(city, n)
    visible = visible_after(city)
    total = Report.objects.filter(city=city).count()
    print(f"report ingest, {n} submissions each:")
    print(f"  API (routing, SLA, timeline, ticket): {api:8.1f} reports/s")
    print(f"  raw SQL INSERT of the same rows:      {raw:8.1f} rows/s")
    print(f"  API / raw:                            {api / raw:8.3f}")
    print(
        f"  visible in GeoJSON after submission:  {visible * 1000:8.1f} ms "
        f"(layer of {total} reports)"
    )


if __name__ == "__main__":
    main()
