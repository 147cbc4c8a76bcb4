"""Spatial queries: metre-correct distances, nearest N, areas, counts per area."""

from __future__ import annotations

import json

import pytest
from django.contrib.gis.geos import Point, Polygon
from django.db import connection

from layers.models import Feature
from tenancy.models import AdminArea
from tests.http import body_json

API = "/api/kota-tangerang/layers/sekolah"
HERE = Point(106.63, -6.18, srid=4326)
pytestmark = pytest.mark.django_db


def _by_distance() -> list[tuple[int, float]]:
    """(id, metres) of every school, nearest first, computed independently."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT f.id, ST_Distance(f.geom::geography, "
            "ST_SetSRID(ST_MakePoint(%s, %s), 4326)::geography) AS d "
            "FROM layers_feature f JOIN layers_layer l ON l.id = f.layer_id "
            "WHERE l.slug = 'sekolah' ORDER BY d",
            [HERE.x, HERE.y],
        )
        return cursor.fetchall()


def test_nearest_returns_n_with_true_distances(client, tangerang):
    doc = json.loads(
        client.get(f"{API}/nearest", {"lon": 106.63, "lat": -6.18, "n": 5}).content
    )
    expected = _by_distance()[:5]
    assert [f["id"] for f in doc["features"]] == [pk for pk, _ in expected]
    for got, (_, metres) in zip(doc["features"], expected, strict=True):
        assert got["properties"]["distance_m"] == pytest.approx(metres, abs=0.2)


def test_within_distance_in_metres(client, tangerang):
    doc = json.loads(
        client.get(
            f"{API}/near", {"lon": 106.63, "lat": -6.18, "radius_m": 2000}
        ).content
    )
    expected = {pk for pk, metres in _by_distance() if metres <= 2000}
    assert {f["id"] for f in doc["features"]} == expected
    assert expected
    assert all(f["properties"]["distance_m"] <= 2000 for f in doc["features"])


def test_within_admin_area_and_drawn_polygon(client, tangerang):
    area = AdminArea.objects.get(city=tangerang, level="kecamatan", code="36.71.01")
    doc = body_json(client.get(f"{API}/within", {"area": area.code}))
    expected = Feature.objects.filter(layer__slug="sekolah", geom__intersects=area.geom)
    assert {f["id"] for f in doc["features"]} == {f.pk for f in expected}
    poly = Polygon.from_bbox((106.60, -6.20, 106.64, -6.16))
    drawn = body_json(client.get(f"{API}/within", {"geometry": poly.geojson}))
    assert {f["id"] for f in drawn["features"]} == {
        f.pk
        for f in Feature.objects.filter(layer__slug="sekolah", geom__intersects=poly)
    }
    assert client.get(f"{API}/within", {"area": "99.99"}).status_code == 404
    bowtie = '{"type":"Polygon","coordinates":[[[0,0],[1,1],[1,0],[0,1],[0,0]]]}'
    assert client.get(f"{API}/within", {"geometry": bowtie}).status_code == 400
    assert (
        client.get(f"{API}/within", {"geometry": '{"type":"Point"}'}).status_code == 400
    )


def test_counts_and_density_per_kecamatan(
    client, tangerang, django_assert_max_num_queries
):
    with django_assert_max_num_queries(5):
        doc = json.loads(client.get(f"{API}/counts", {"level": "kecamatan"}).content)
    areas = doc["areas"]
    assert len(areas) == 13
    for row in areas:
        area = AdminArea.objects.get(city=tangerang, code=row["code"])
        n = Feature.objects.filter(
            layer__slug="sekolah", geom__intersects=area.geom
        ).count()
        assert row["count"] == n
        assert row["density_per_km2"] == pytest.approx(n / area.area_km2, abs=0.002)
    kel = json.loads(
        client.get(f"{API}/counts", {"level": "kelurahan", "f": "geojson"}).content
    )
    assert len(kel["features"]) == 104
    assert kel["features"][0]["geometry"]["type"] == "MultiPolygon"


@pytest.mark.parametrize(
    "query",
    [
        "nearest?lon=200&lat=0",
        "nearest?lon=106&lat=-6&n=0",
        "nearest?lon=x&lat=-6",
        "near?lon=106&lat=-6&radius_m=-5",
        "near?lon=106&lat=-6&radius_m=1e9",
        "near?lon=106&lat=-6",
        "within",
        "within?area=36.71.01&geometry=%7B%7D",
        "counts?level=provinsi",
    ],
)
def test_bad_spatial_input_is_400(client, tangerang, query):
    response = client.get(f"{API}/{query}")
    assert response.status_code == 400
    assert json.loads(response.content)["detail"]


def test_nearest_is_geodesic_where_degrees_mislead(client):
    """At 60° N a degree of longitude is half a degree of latitude in metres: the
    nearest in degrees (what a geometry index orders by) is not the nearest in
    metres, and the answer must be the latter."""
    from django.contrib.gis.geos import LineString

    from tests.factories import FeatureFactory, LayerFactory

    layer = LayerFactory()
    north = FeatureFactory(layer=layer, geom=Point(10.0, 60.009, srid=4326))
    east = FeatureFactory(layer=layer, geom=Point(10.012, 60.0, srid=4326))
    road = FeatureFactory(
        layer=layer,
        geom=LineString((9.97, 59.99), (9.97, 60.01), srid=4326),
    )
    api = f"/api/{layer.city.slug}/layers/{layer.slug}"
    doc = body_json(client.get(f"{api}/nearest", {"lon": 10.0, "lat": 60.0, "n": 1}))
    assert [f["id"] for f in doc["features"]] == [east.pk]
    doc = body_json(client.get(f"{api}/nearest", {"lon": 10.0, "lat": 60.0, "n": 3}))
    ranked = [(f["id"], f["properties"]["distance_m"]) for f in doc["features"]]
    assert [pk for pk, _ in ranked] == [east.pk, north.pk, road.pk]
    assert ranked[0][1] == pytest.approx(669, abs=3)
    assert ranked[1][1] == pytest.approx(1002, abs=3)
    # A radius just over the eastern point's distance holds it and nothing else; the
    # line (about 1.67 km west) comes in at 1.7 km.
    near = body_json(
        client.get(f"{api}/near", {"lon": 10.0, "lat": 60.0, "radius_m": 700})
    )
    assert [f["id"] for f in near["features"]] == [east.pk]
    wider = body_json(
        client.get(f"{api}/near", {"lon": 10.0, "lat": 60.0, "radius_m": 1700})
    )
    assert [f["id"] for f in wider["features"]] == [east.pk, north.pk, road.pk]
