"""Synthetic data in Kota Tangerang (generate_series): 1M points (dense), 5k points
(sparse: a handful per tile at z13+) and 100k polygons. BENCH_POINTS / BENCH_POLYGONS /
BENCH_SPARSE shrink them for a quick run on a busy machine."""

from __future__ import annotations

import os
from typing import Any

from django.db import connection

from layers.models import Layer
from tenancy.models import City

COUNT = "SELECT count(*) FROM layers_feature WHERE layer_id = %s"
BBOX = (106.56, -6.26, 106.72, -6.12)  # roughly the city


def make_layer(city: City, slug: str, geometry_type: str) -> Layer:
    layer, _ = Layer.objects.update_or_create(
        city=city,
        slug=slug,
        defaults={
            "title": slug,
            "dimension": "living",
            "geometry_type": geometry_type,
            "schema": [
                {"name": "name", "type": "text", "label": "Name"},
                {"name": "kind", "type": "integer", "label": "Kind"},
            ],
        },
    )
    return layer


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


def _fill(cursor: Any, city: City, layer: Layer, n: int, polygon: bool) -> None:
    cursor.execute(COUNT, [layer.pk])
    if cursor.fetchone()[0] == n:
        return
    cursor.execute("DELETE FROM layers_feature WHERE layer_id = %s", [layer.pk])
    minx, miny, maxx, maxy = BBOX
    point = "ST_SetSRID(ST_MakePoint(%s + random() * %s, %s + random() * %s), 4326)"
    geom = f"ST_Expand({point}, 0.0004)" if polygon else point
    name = "Persil " if polygon else "Titik "
    cursor.execute(
        "INSERT INTO layers_feature (city_id, layer_id, geom, properties, "  # noqa: S608 - constants only
        f"created_at, updated_at, version) SELECT %s, %s, {geom}, "
        "jsonb_build_object('name', %s || i, 'kind', i %% %s), now(), now(), 1 "
        "FROM generate_series(1, %s) i",
        [
            city.pk,
            layer.pk,
            minx,
            maxx - minx,
            miny,
            maxy - miny,
            name,
            7 if polygon else 10,
            n,
        ],
    )


def generate(
    points: int | None = None, polygons: int | None = None, sparse: int | None = None
) -> dict[str, Layer]:
    city = City.objects.get(slug="kota-tangerang")
    layers = {
        "points": make_layer(city, "bench-points", "Point"),
        "sparse": make_layer(city, "bench-sparse", "Point"),
        "polygons": make_layer(city, "bench-polygons", "Polygon"),
    }
    sizes = {
        "points": points or _env_int("BENCH_POINTS", 1_000_000),
        "sparse": sparse or _env_int("BENCH_SPARSE", 5_000),
        "polygons": polygons or _env_int("BENCH_POLYGONS", 100_000),
    }
    with connection.cursor() as cursor:
        for key, layer in layers.items():
            _fill(cursor, city, layer, sizes[key], polygon=key == "polygons")
        cursor.execute("ANALYZE layers_feature")
    for layer in layers.values():
        layer.refresh_from_db()
    return layers
