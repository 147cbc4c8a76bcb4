"""Bad input gets a 400 OGC exception saying what was wrong; unknowns get 404;
hostile strings never reach SQL as text."""

from __future__ import annotations

import json

import pytest

from layers.models import Feature
from tests.http import body_json

ITEMS = "/ogc/kota-tangerang/collections/sekolah/items"
pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("bbox", "1,2,3"),
        ("bbox", "a,b,c,d"),
        ("bbox", "106,-6,105,-5"),
        ("bbox", "nan,1,2,3"),
        ("bbox", "0,-95,1,1"),
        ("bbox-crs", "EPSG:9999"),
        ("datetime", "yesterday"),
        ("datetime", "2024-13-45T00:00:00Z"),
        ("datetime", "2024-02-01T00:00:00Z/2024-01-01T00:00:00Z"),
        ("datetime", "../.."),
        ("crs", "EPSG:2154"),
        ("crs", "file:///etc/passwd"),
        ("filter", "name LIKE"),
        ("filter", "nosuchfield = 1"),
        ("filter", "name = 'a'; DROP TABLE layers_feature"),
        ("filter", "unknownfn(name) = 'x'"),
        ("limit", "-1"),
        ("limit", "0"),
        ("limit", "ten"),
        ("cursor", "zzz"),
        ("cursor", "a-5"),
        ("precision", "99"),
        ("f", "xml"),
        ("in_kota_tangerang", "maybe"),
    ],
)
def test_bad_parameter_is_400_with_ogc_exception(client, tangerang, param, value):
    response = client.get(ITEMS, {param: value})
    assert response.status_code == 400, value
    doc = json.loads(response.content)
    assert doc["code"] == "InvalidParameterValue"
    assert repr(param.split("-")[0])[1:-1] in doc["description"] or doc["description"]


def test_bad_cql2_json_is_400(client, tangerang):
    for raw in ("{not json", json.dumps({"op": "nope", "args": []})):
        response = client.get(ITEMS, {"filter": raw, "filter-lang": "cql2-json"})
        assert response.status_code == 400
    assert client.get(ITEMS, {"filter": "x", "filter-lang": "sql"}).status_code == 400


def test_limit_is_capped(client, tangerang, settings):
    settings.PETAKOTA_MAX_PAGE_SIZE = 7
    doc = body_json(client.get(ITEMS, {"limit": "100000"}))
    assert doc["numberReturned"] == 7


@pytest.mark.parametrize(
    "url",
    [
        "/ogc/no-such-city/",
        "/ogc/no-such-city/collections",
        "/ogc/kota-tangerang/collections/no-such-layer",
        "/ogc/kota-tangerang/collections/no-such-layer/items",
        "/ogc/kota-tangerang/collections/sekolah/items/999999999",
        "/tiles/kota-tangerang/no-such-layer/1/1/1.mvt",
        "/tiles/kota-tangerang/no-such-layer.json",
        "/api/kota-tangerang/layers/no-such-layer/features",
        "/api/kota-tangerang/layers/no-such-layer/nearest?lon=106&lat=-6",
    ],
)
def test_unknown_things_are_404(client, tangerang, url):
    assert client.get(url).status_code == 404


HOSTILE = [
    "'; DROP TABLE layers_feature; --",
    '" OR 1=1 --',
    "%' OR '1'='1",
    "\\x00\x00",
    "<script>alert(1)</script>",
    "$$; SELECT pg_sleep(10); $$",
    "../../etc/passwd",
    "A" * 3000,
]


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_strings_in_every_parameter_change_nothing(client, tangerang, hostile):
    before = Feature.objects.count()
    for param in (
        "bbox",
        "bbox-crs",
        "datetime",
        "crs",
        "filter",
        "filter-lang",
        "limit",
        "cursor",
        "precision",
        "name",
    ):
        response = client.get(ITEMS, {param: hostile})
        assert response.status_code in (200, 400), (param, response.status_code)
        if response.status_code == 200:
            doc = body_json(response)
            assert doc["type"] == "FeatureCollection"
    # A hostile value as a property filter is only ever compared, never executed.
    if "\x00" not in hostile:
        cql = json.dumps({"op": "=", "args": [{"property": "name"}, hostile]})
        quoted = body_json(
            client.get(ITEMS, {"filter": cql, "filter-lang": "cql2-json"})
        )
        assert quoted["numberMatched"] == 0
    for url in (
        f"/api/kota-tangerang/layers/sekolah/nearest?lon={hostile}&lat=1",
        f"/api/kota-tangerang/layers/sekolah/within?area={hostile}",
        f"/api/kota-tangerang/layers/sekolah/counts?level={hostile}",
        f"/tiles/kota-tangerang/sekolah/{hostile}/1/1.mvt",
    ):
        assert client.get(url).status_code in (400, 404)
    assert Feature.objects.count() == before


def test_bad_tile_coordinates(client, tangerang):
    assert client.get("/tiles/kota-tangerang/sekolah/2/9/0.mvt").status_code == 400
    assert client.get("/tiles/kota-tangerang/sekolah/99/0/0.mvt").status_code == 400
    ogc = "/ogc/kota-tangerang/collections/sekolah/tiles/WebMercatorQuad/x/0/0"
    assert client.get(ogc).status_code == 400
