"""Every export format selects what the layer's GeoJSON features endpoint returns
for the same query: the same parameters (bbox, datetime, typed property filters,
CQL2 `filter`), the same rows (expired ones hidden unless a datetime asks, bbox by
ST_Intersects, numbers compared as numbers). Each file is read back with GDAL."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import UTC, datetime, timedelta

import pyogrio
import pytest
from django.contrib.gis.geos import LineString

from layers.models import Feature
from layers.models.layer import GeometryType
from tests.factories import FeatureFactory, LayerFactory

FORMATS = ("csv", "gpkg", "shp", "kml")
NOW = datetime.now(UTC)
SCHEMA = [
    {"name": "kode", "type": "text", "label": "Kode"},
    {"name": "jumlah", "type": "integer", "label": "Jumlah"},
]


@pytest.fixture
def roads(city, agency):
    """Lines in a 0.2° city. `diagonal` crosses its bounding box corner to corner:
    a bbox in the opposite corner meets its box (&&) but not the line."""
    layer = LayerFactory(
        city=city,
        agency=agency,
        slug="jalan",
        schema=SCHEMA,
        geometry_type=GeometryType.LINESTRING,
    )

    def road(kode: str, jumlah: int, coords, **extra) -> None:
        FeatureFactory(
            layer=layer,
            city=city,
            geom=LineString(coords, srid=4326),
            properties={"kode": kode, "jumlah": jumlah},
            **extra,
        )

    road("diagonal", 10, [(120.0, -5.0), (120.2, -4.8)])
    road("timur", 9, [(120.17, -4.99), (120.19, -4.97)])
    road("barat", 100, [(120.01, -4.85), (120.03, -4.83)])
    # Expired yesterday: history, not the current map.
    road(
        "lama",
        10,
        [(120.05, -4.95), (120.06, -4.94)],
        valid_from=NOW - timedelta(days=30),
        valid_to=NOW - timedelta(days=1),
    )
    assert Feature.objects.filter(layer=layer).count() == 4
    return layer


QUERIES = {
    "everything": {},
    # Meets the diagonal's bounding box, not the diagonal.
    "bbox": {"bbox": "120.16,-5.0,120.2,-4.96"},
    "integer as a number": {"jumlah": "010"},
    "cql2 comparison": {"filter": "jumlah > 9"},
    "cql2 and bbox": {"filter": "jumlah >= 10", "bbox": "120.0,-5.0,120.2,-4.8"},
    "datetime": {"datetime": (NOW - timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%SZ")},
}
EXPECTED = {
    "everything": ["barat", "diagonal", "timur"],
    "bbox": ["timur"],
    "integer as a number": ["diagonal"],
    "cql2 comparison": ["barat", "diagonal"],
    "cql2 and bbox": ["barat", "diagonal"],
    "datetime": ["barat", "diagonal", "lama", "timur"],
}


def _body(response) -> bytes:
    if hasattr(response, "streaming_content"):
        return b"".join(
            c if isinstance(c, bytes) else c.encode()
            for c in response.streaming_content
        )
    return response.content


def _geojson_rows(client, layer, params) -> list[tuple[str, int]]:
    response = client.get(
        f"/api/{layer.city.slug}/layers/{layer.slug}/features",
        {**params, "limit": "1000"},
    )
    assert response.status_code == 200, _body(response)
    features = json.loads(_body(response))["features"]
    return sorted(
        (f["properties"]["kode"], int(f["properties"]["jumlah"])) for f in features
    )


def _export_rows(client, layer, fmt, params, tmp_path) -> list[tuple[str, int]]:
    response = client.get(
        f"/api/{layer.city.slug}/layers/{layer.slug}/export",
        {**params, "format": fmt},
    )
    assert response.status_code == 200, _body(response)
    data = _body(response)
    if fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(data.decode())))
        return sorted((r["kode"], int(r["jumlah"])) for r in rows)
    path = tmp_path / f"export.{fmt}"
    if fmt == "shp":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            archive.extractall(tmp_path / "shp")
        path = next((tmp_path / "shp").glob("*.shp"))
    else:
        path.write_bytes(data)
    frame = pyogrio.read_dataframe(path)
    return sorted(zip(frame["kode"], (int(v) for v in frame["jumlah"]), strict=True))


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("name", list(QUERIES))
def test_export_returns_the_rows_of_the_geojson_endpoint(
    client, roads, tmp_path, fmt, name
):
    params = QUERIES[name]
    expected = _geojson_rows(client, roads, params)
    assert [kode for kode, _ in expected] == EXPECTED[name]
    assert _export_rows(client, roads, fmt, params, tmp_path) == expected


@pytest.mark.parametrize("fmt", ["geojson", *FORMATS])
@pytest.mark.parametrize(
    "params",
    [
        {"jumlah": "sepuluh"},
        {"filter": "jumlah >"},
        {"tidak_ada": "x"},
        {"cursor": "1"},
    ],
)
def test_export_refuses_what_the_items_endpoint_refuses(client, roads, fmt, params):
    response = client.get(
        f"/api/{roads.city.slug}/layers/{roads.slug}/export", {**params, "format": fmt}
    )
    assert response.status_code == 400
