"""Synthetic data: 1M points and 100k polygons in Kota Tangerang (generate_series)."""

from __future__ import annotations

from django.db import connection

from layers.models import City, Layer

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


def generate(points: int = 1_000_000, polygons: int = 100_000) -> dict[str, Layer]:
    city = City.objects.get(slug="kota-tangerang")
    pts = make_layer(city, "bench-points", "Point")
    polys = make_layer(city, "bench-polygons", "Polygon")
    minx, miny, maxx, maxy = BBOX
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM layers_feature WHERE layer_id = %s", [pts.pk]
        )
        if cursor.fetchone()[0] != points:
            cursor.execute("DELETE FROM layers_feature WHERE layer_id = %s", [pts.pk])
            cursor.execute(
                "INSERT INTO layers_feature (city_id, layer_id, geom, properties, "
                "created_at, updated_at, version) SELECT %s, %s, "
                "ST_SetSRID(ST_MakePoint(%s + random() * %s, "
                "%s + random() * %s), 4326), "
                "jsonb_build_object('name', 'Titik ' || i, 'kind', i %% 10), "
                "now(), now(), 1 "
                "FROM generate_series(1, %s) i",
                [city.pk, pts.pk, minx, maxx - minx, miny, maxy - miny, points],
            )
        cursor.execute(
            "SELECT count(*) FROM layers_feature WHERE layer_id = %s", [polys.pk]
        )
        if cursor.fetchone()[0] != polygons:
            cursor.execute("DELETE FROM layers_feature WHERE layer_id = %s", [polys.pk])
            cursor.execute(
                "INSERT INTO layers_feature (city_id, layer_id, geom, properties, "
                "created_at, updated_at, version) SELECT %s, %s, "
                "ST_Expand(ST_SetSRID(ST_MakePoint(%s + random() * %s, "
                "%s + random() * %s), 4326), 0.0004), "
                "jsonb_build_object('name', 'Persil ' || i, 'kind', i %% 7), "
                "now(), now(), 1 "
                "FROM generate_series(1, %s) i",
                [city.pk, polys.pk, minx, maxx - minx, miny, maxy - miny, polygons],
            )
        cursor.execute("ANALYZE layers_feature")
    pts.refresh_from_db()
    polys.refresh_from_db()
    return {"points": pts, "polygons": polys}
