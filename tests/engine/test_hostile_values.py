"""Values a hostile tester sent (issue 9, items 7-9): each is a 4xx with a message
before any byte of a response, never a 500, a dead worker or a truncated 200."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest

from tests.http import body, body_json

CITY = "/ogc/kota-tangerang"
ITEMS = f"{CITY}/collections/sekolah/items"
API = "/api/kota-tangerang/layers/sekolah"
pytestmark = pytest.mark.django_db

HUGE_POLYGON = json.dumps(
    {
        "type": "Polygon",
        "coordinates": [
            [[-1e308, -1e308], [1e308, -1e308], [1e308, 1e308], [-1e308, -1e308]]
        ],
    }
)


def _is_400_json(response) -> dict:
    assert response.status_code == 400, (
        response.request["PATH_INFO"],
        response.request.get("QUERY_STRING"),
        response.status_code,
        body(response)[:300],
    )
    assert not getattr(response, "streaming", False)
    doc = json.loads(response.content)
    # OGC API's exception body, or the JSON API's (gis_platform/http.py).
    assert doc.get("description") or doc.get("detail"), doc
    return doc


OUT_OF_RANGE = [
    f"{API}/within?geometry={quote(HUGE_POLYGON)}",
    f"{API}/within?geometry="
    + quote('{"type":"Polygon","coordinates":[[[0,0],[1e308,0],[1,1],[0,0]]]}'),
    f"{API}/within?geometry=" + quote('{"type":"Polygon","coordinates":null}'),
    f"{API}/within?geometry=" + quote('{"type":"Polygon","coordinates":[[["a"]]]}'),
    f"{API}/within?geometry=" + quote("[" * 5000 + "]" * 5000),
    f"{API}/nearest?lon=1e308&lat=0",
    f"{API}/nearest?lon=nan&lat=0",
    f"{API}/near?lon=106.6&lat=-6.2&radius_m=inf",
    f"{API}/near?lon=%D9%A1%D9%A0%D9%A6&lat=-6.2&radius_m=10",
    f"{ITEMS}?filter="
    + quote("S_INTERSECTS(geometry, POLYGON((1e308 0, 1 1, 0 1, 1e308 0)))"),
    f"{ITEMS}?filter=" + quote("S_INTERSECTS(geometry, POINT(-1e308 1e308))"),
    f"{ITEMS}?filter=" + quote("S_INTERSECTS(geometry, POINT(200 10))"),
    f"{ITEMS}?filter=" + quote("BBOX(geometry, -1e308, -1e308, 1e308, 1e308)"),
    f"{ITEMS}?filter-crs=EPSG:3857&filter="
    + quote("S_WITHIN(geometry, POINT(1e300 0))"),
    f"{ITEMS}?filter-crs=EPSG:4326&filter="
    + quote("S_INTERSECTS(geometry, POINT(100 10))"),
    f"{ITEMS}?filter-lang=cql2-json&filter="
    + quote(
        json.dumps(
            {
                "op": "s_intersects",
                "args": [
                    {"property": "geometry"},
                    {"type": "Polygon", "coordinates": None},
                ],
            }
        )
    ),
    f"{ITEMS}?bbox=-1e308,-1e308,1e308,1e308",
    f"{ITEMS}?bbox-crs=EPSG:3857&bbox=-1e308,-1e308,1e308,1e308",
    f"{ITEMS}?bbox-crs=EPSG:32748&bbox=-1e12,-1e12,1e12,1e12",
    f"{ITEMS}?bbox-crs=EPSG:32748&bbox=-2e7,-2e7,2e7,2e7",
]


def test_coordinates_outside_their_crs_are_refused_before_geos(client, tangerang):
    for url in OUT_OF_RANGE:
        _is_400_json(client.get(url))


UNICODE_DIGITS_AND_NUL = [
    f"{ITEMS}?limit=%C2%B2",  # ²
    f"{ITEMS}?limit=%EF%BC%91",  # fullwidth 1
    f"{ITEMS}?cursor=%C2%B2",
    f"{ITEMS}?cursor=a%C2%B2",
    f"{ITEMS}?precision=%C2%B2",
    f"{ITEMS}/%C2%B2",
    f"{ITEMS}/%D9%A1",
    f"{API}/nearest?lon=106.6&lat=-6.2&n=%C2%B2",
    f"{API}/features?limit=%C2%B2",
    f"{API}/features?cursor=%C2%B2",
    f"{ITEMS}?limit=1%00",
    f"{ITEMS}?f=%00",
    f"{API}/counts?level=%00",
    f"{API}/within?area=%00",
    f"{ITEMS}?datetime=0001-01-01T00:00:00%2B01:00",
    "/tiles/kota-tangerang/sekolah/%D9%A1/0/0.mvt",
    f"{CITY}/collections/sekolah/tiles/WebMercatorQuad/%EF%BC%91/0/0",
]


def test_unicode_digits_and_nul_are_400(client, tangerang):
    for url in UNICODE_DIGITS_AND_NUL:
        _is_400_json(client.get(url))


NUL_PATHS = [
    f"{CITY}/collections/%00",
    f"{CITY}/collections/sekolah%00",
    f"{CITY}/collections/sekolah%00/items",
    f"{CITY}/collections/%01x/queryables",
    "/api/kota-tangerang/layers/sek%00olah/features",
    "/tiles/kota-tangerang/sek%00olah/1/1/1.mvt",
]


def test_nul_in_a_path_segment_is_404(client, tangerang):
    for url in NUL_PATHS:
        response = client.get(url)
        assert response.status_code == 404, (url, body(response)[:300])


def test_queryables_html_of_every_collection(client, tangerang):
    ids = [c["id"] for c in body_json(client.get(f"{CITY}/collections"))["collections"]]
    assert "sekolah" in ids
    for collection_id in ids:
        response = client.get(f"{CITY}/collections/{collection_id}/queryables?f=html")
        assert response.status_code == 200, collection_id
        assert b"<table" in response.content


TYPE_ERRORS = [
    "name = 1",
    "name > 5",
    "id / 0 = 1",
    "name BETWEEN 1 AND 'z'",
    "id IN (1,'a',TRUE)",
    "id = 'x'",
    "id LIKE 'a%'",
    "in_kota_tangerang > TRUE",
    "geometry = 1",
    "CASEI(id) = 'a'",
    "id + 'a' = 2",
    "name < DATE('2024-01-01')",
]


def test_cql2_type_errors_are_400_before_streaming(client, tangerang):
    for cql in TYPE_ERRORS:
        _is_400_json(client.get(ITEMS, {"filter": cql}))
        _is_400_json(client.get(f"{API}/features", {"filter": cql}))


def test_division_by_a_zero_value_is_no_match_not_an_error(client, tangerang):
    doc = body_json(client.get(ITEMS, {"filter": "id / (id - id) = 1"}))
    assert doc["numberReturned"] == 0


def test_well_typed_filters_still_work(client, tangerang):
    every = body_json(client.get(ITEMS, {"limit": "1000"}))["numberReturned"]
    for cql, expect_some in [
        ("id > 0 AND id / 1 >= 1", True),
        ("id IN (1, 2.0, 3)", False),
        ("CASEI(name) LIKE '%sd%'", True),
        ("id BETWEEN 1 AND 1e12", True),
    ]:
        doc = body_json(client.get(ITEMS, {"filter": cql, "limit": "1000"}))
        assert doc["type"] == "FeatureCollection"
        if expect_some:
            assert 0 < doc["numberReturned"] <= every, cql


def test_far_utc_offsets_are_converted_not_sent_to_postgresql(client, tangerang):
    for value in ("2024-01-01T00:00:00+23:59", "2024-01-01T00:00:00-23:59/.."):
        doc = body_json(client.get(ITEMS, {"datetime": value}))
        assert doc["type"] == "FeatureCollection"
    cql = "updated T_AFTER TIMESTAMP('2024-01-01T00:00:00+15:00')"
    response = client.get(ITEMS, {"filter": cql})
    assert response.status_code in (200, 400)
    if response.status_code == 200:
        assert body_json(response)["type"] == "FeatureCollection"


def test_cql2_json_bbox_is_minx_miny_maxx_maxy(client, tangerang):
    box = {"bbox": [106.5, -6.4, 106.8, -6.0]}
    cql = {"op": "s_intersects", "args": [{"property": "geometry"}, box]}
    doc = body_json(
        client.get(ITEMS, {"filter": json.dumps(cql), "filter-lang": "cql2-json"})
    )
    assert doc["numberReturned"] > 0


@pytest.mark.django_db(transaction=True)
def test_database_error_after_validation_is_not_a_truncated_200(
    client, tangerang, monkeypatch
):
    """Whatever still fails in PostgreSQL fails before the response starts."""
    from layers.engine import sql

    real = sql.feature_json_sql

    def broken(source, crs):
        return real(source, crs).replace("json_build_object(", "(1/0)::text || (", 1)

    monkeypatch.setattr(sql, "feature_json_sql", broken)
    # A page fetched whole, and a large one streamed from a named cursor.
    for url in (ITEMS, f"{ITEMS}?limit=5000", f"{API}/features?limit=5000"):
        response = client.get(url)
        assert response.status_code == 400, url
        assert not getattr(response, "streaming", False)
