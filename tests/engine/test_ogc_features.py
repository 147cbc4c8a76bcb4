"""OGC API Features Parts 1-3 over the demo city, read the way clients read them."""

from __future__ import annotations

import json
from urllib.parse import urlparse

import pytest
from django.contrib.gis.geos import Point

from layers.models import Feature, Layer
from tests.http import body_json

BASE = "/ogc/kota-tangerang"
pytestmark = pytest.mark.django_db


def _path(href: str) -> str:
    url = urlparse(href)
    return url.path + ("?" + url.query if url.query else "")


def test_landing_and_conformance_link_everything(client, tangerang):
    doc = body_json(client.get(BASE + "/"))
    rels = {link["rel"] for link in doc["links"]}
    assert {"self", "service-desc", "conformance", "data"} <= rels
    conf = body_json(client.get(BASE + "/conformance"))["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core" in conf
    assert "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter" in conf
    api = client.get(BASE + "/api")
    assert api["Content-Type"].startswith("application/vnd.oai.openapi+json")
    assert "/collections/{collectionId}/items" in json.loads(api.content)["paths"]


def test_collections_list_only_public_layers(client, tangerang, secret_layer):
    doc = body_json(client.get(BASE + "/collections"))
    ids = {c["id"] for c in doc["collections"]}
    assert {"sekolah", "rumah-sakit", "boundaries-kecamatan"} <= ids
    assert "gudang-rahasia" not in ids
    assert client.get(f"{BASE}/collections/gudang-rahasia").status_code == 404
    assert client.get(f"{BASE}/collections/gudang-rahasia/items").status_code == 404
    assert (
        client.get(f"{BASE}/collections/gudang-rahasia/queryables").status_code == 404
    )


def test_staff_sees_internal_layer(client, tangerang, secret_layer):
    from tests.factories import MembershipFactory

    member = MembershipFactory(city=tangerang)
    client.force_login(member.user)
    ids = {c["id"] for c in body_json(client.get(BASE + "/collections"))["collections"]}
    assert "gudang-rahasia" in ids
    items = body_json(client.get(f"{BASE}/collections/gudang-rahasia/items"))
    assert items["features"][0]["properties"]["name"] == "secret depot"


def test_collection_has_extent_and_count(client, tangerang):
    doc = body_json(client.get(f"{BASE}/collections/sekolah"))
    assert (
        doc["numberOfFeatures"] == Feature.objects.filter(layer__slug="sekolah").count()
    )
    minx, miny, maxx, maxy = doc["extent"]["spatial"]["bbox"][0]
    assert 106.5 < minx < maxx < 106.8
    assert -6.4 < miny < maxy < -6.0


def test_items_page_through_next_and_prev_links(client, tangerang):
    total = Feature.objects.filter(layer__slug="sekolah").count()
    url = f"{BASE}/collections/sekolah/items?limit=40"
    ids, pages = [], []
    while url:
        response = client.get(url)
        assert response["Content-Type"] == "application/geo+json"
        doc = body_json(response)
        assert doc["numberMatched"] == total
        assert doc["numberReturned"] == len(doc["features"])
        pages.append(doc)
        ids += [f["id"] for f in doc["features"]]
        nxt = [link["href"] for link in doc["links"] if link["rel"] == "next"]
        url = _path(nxt[0]) if nxt else None
    assert len(ids) == total == len(set(ids))
    assert ids == sorted(ids)
    prev = [link["href"] for link in pages[-1]["links"] if link["rel"] == "prev"]
    back = body_json(client.get(_path(prev[0])))
    assert [f["id"] for f in back["features"]] == [
        f["id"] for f in pages[-2]["features"]
    ]


def test_bbox_excludes_features_outside_view(client, tangerang):
    bbox = (106.60, -6.20, 106.64, -6.16)
    doc = body_json(
        client.get(
            f"{BASE}/collections/sekolah/items", {"bbox": ",".join(map(str, bbox))}
        )
    )
    for feature in doc["features"]:
        x, y = feature["geometry"]["coordinates"]
        assert bbox[0] <= x <= bbox[2]
        assert bbox[1] <= y <= bbox[3]
    from django.contrib.gis.geos import Polygon

    expected = Feature.objects.filter(
        layer__slug="sekolah", geom__intersects=Polygon.from_bbox(bbox)
    ).count()
    assert 0 < doc["numberReturned"] == expected


def test_crs_reprojects_and_flips_axes(client, tangerang):
    feature = Feature.objects.filter(layer__slug="sekolah").order_by("id").first()
    lon, lat = feature.geom.x, feature.geom.y
    url = f"{BASE}/collections/sekolah/items/{feature.pk}"
    r4326 = client.get(url, {"crs": "http://www.opengis.net/def/crs/EPSG/0/4326"})
    assert r4326["Content-Crs"] == "<http://www.opengis.net/def/crs/EPSG/0/4326>"
    assert json.loads(r4326.content)["geometry"]["coordinates"] == pytest.approx(
        [lat, lon]
    )
    for code in (3857, 32748):
        doc = json.loads(client.get(url, {"crs": f"EPSG:{code}"}).content)
        expected = Point(lon, lat, srid=4326).transform(code, clone=True)
        assert doc["geometry"]["coordinates"] == pytest.approx(
            [expected.x, expected.y], abs=0.02
        )
    crs84 = client.get(url)
    assert crs84["Content-Crs"] == "<http://www.opengis.net/def/crs/OGC/1.3/CRS84>"


def test_bbox_crs_in_web_mercator_selects_same_features(client, tangerang):
    sw = Point(106.60, -6.20, srid=4326).transform(3857, clone=True)
    ne = Point(106.64, -6.16, srid=4326).transform(3857, clone=True)
    merc = body_json(
        client.get(
            f"{BASE}/collections/sekolah/items",
            {"bbox": f"{sw.x},{sw.y},{ne.x},{ne.y}", "bbox-crs": "EPSG:3857"},
        )
    )
    lonlat = body_json(
        client.get(
            f"{BASE}/collections/sekolah/items", {"bbox": "106.60,-6.20,106.64,-6.16"}
        )
    )
    assert {f["id"] for f in merc["features"]} == {f["id"] for f in lonlat["features"]}
    latlon = body_json(
        client.get(
            f"{BASE}/collections/sekolah/items",
            {"bbox": "-6.20,106.60,-6.16,106.64", "bbox-crs": "EPSG:4326"},
        )
    )
    assert {f["id"] for f in latlon["features"]} == {
        f["id"] for f in lonlat["features"]
    }


@pytest.mark.parametrize(
    ("cql", "lang"),
    [
        ("name LIKE 'SMA%'", "cql2-text"),
        (
            json.dumps({"op": "like", "args": [{"property": "name"}, "SMA%"]}),
            "cql2-json",
        ),
    ],
)
def test_cql2_like_matches_database(client, tangerang, cql, lang):
    doc = body_json(
        client.get(
            f"{BASE}/collections/sekolah/items",
            {"filter": cql, "filter-lang": lang, "limit": "1000"},
        )
    )
    expected = Feature.objects.filter(
        layer__slug="sekolah", properties__name__startswith="SMA"
    ).count()
    assert 0 < doc["numberMatched"] == doc["numberReturned"] == expected
    assert all(f["properties"]["name"].startswith("SMA") for f in doc["features"])


def test_cql2_in_between_not_spatial_and_temporal(client, tangerang):
    items = f"{BASE}/collections/sekolah/items"
    kec = body_json(
        client.get(
            items, {"filter": "nama_kec IN ('Cibodas','Karawaci')", "limit": 500}
        )
    )
    assert (
        kec["numberMatched"]
        == Feature.objects.filter(
            layer__slug="sekolah", properties__nama_kec__in=["Cibodas", "Karawaci"]
        ).count()
    )
    neg = body_json(client.get(items, {"filter": "NOT (nama_kec = 'Cibodas')"}))
    kecs = [
        f.properties.get("nama_kec")
        for f in Feature.objects.filter(layer__slug="sekolah")
    ]
    total = len(kecs)
    # Three-valued logic, as CQL2 says: a missing value is neither = nor <>.
    assert neg["numberMatched"] == sum(1 for k in kecs if k not in (None, "Cibodas"))
    spatial = body_json(
        client.get(
            items,
            {
                "filter": "S_INTERSECTS(geometry, POLYGON((106.60 -6.20, 106.64 -6.20, "
                "106.64 -6.16, 106.60 -6.16, 106.60 -6.20)))"
            },
        )
    )
    bbox = body_json(client.get(items, {"bbox": "106.60,-6.20,106.64,-6.16"}))
    assert spatial["numberMatched"] == bbox["numberMatched"] > 0
    ids = body_json(client.get(items, {"filter": "id BETWEEN 1 AND 1000000"}))
    assert ids["numberMatched"] == total
    layer = Layer.objects.get(city=tangerang, slug="sekolah")
    old = layer.features.order_by("id").first()
    old.valid_from = "2020-01-01T00:00:00Z"
    old.valid_to = "2020-12-31T00:00:00Z"
    old.save()
    temporal = body_json(
        client.get(
            items,
            {
                "filter": json.dumps(
                    {
                        "op": "t_before",
                        "args": [
                            {"property": "datetime"},
                            {"timestamp": "2021-06-01T00:00:00Z"},
                        ],
                    }
                ),
                "filter-lang": "cql2-json",
            },
        )
    )
    assert [f["id"] for f in temporal["features"]] == [old.pk]
    during = body_json(client.get(items, {"datetime": "2020-03-01T00:00:00Z"}))
    assert old.pk in [f["id"] for f in during["features"]]
    now = body_json(client.get(items, {"limit": 1000}))
    assert old.pk not in [f["id"] for f in now["features"]]  # expired


def test_property_filter_and_queryables(client, tangerang):
    doc = body_json(
        client.get(f"{BASE}/collections/sekolah/items", {"nama_kec": "Cibodas"})
    )
    assert doc["numberMatched"] > 0
    assert {f["properties"]["nama_kec"] for f in doc["features"]} == {"Cibodas"}
    q = client.get(f"{BASE}/collections/sekolah/queryables")
    assert q["Content-Type"] == "application/schema+json"
    props = json.loads(q.content)["properties"]
    assert props["name"]["type"] == "string"
    assert props["in_kota_tangerang"]["type"] == "boolean"


def test_single_item_and_unknown_item(client, tangerang):
    feature = Feature.objects.filter(layer__slug="pasar").first()
    doc = json.loads(client.get(f"{BASE}/collections/pasar/items/{feature.pk}").content)
    assert doc["id"] == feature.pk
    assert doc["type"] == "Feature"
    other = Feature.objects.filter(layer__slug="sekolah").first()
    missing = client.get(f"{BASE}/collections/pasar/items/{other.pk}")
    assert missing.status_code == 404
    assert json.loads(missing.content)["code"] == "NotFound"


def test_etag_gives_304_until_data_changes(client, tangerang):
    url = f"{BASE}/collections/sekolah/items?limit=5"
    first = client.get(url)
    etag = first["ETag"]
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    feature = Feature.objects.filter(layer__slug="sekolah").first()
    feature.properties = {**feature.properties, "name": "Renamed"}
    feature.save()
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_html_pages_render(client, tangerang):
    for path in (
        "/",
        "/collections",
        "/collections/sekolah",
        "/collections/sekolah/items",
    ):
        response = client.get(BASE + path, {"f": "html"})
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/html")
    page = client.get(BASE + "/collections/sekolah/items", HTTP_ACCEPT="text/html")
    assert b"ogc-geojson" in page.content


def test_items_query_count_is_pinned(client, tangerang, django_assert_max_num_queries):
    # Warm the extent cache and the per-version feature counts (both kept per data
    # version: a catalogue counts a source once per change, not per request).
    client.get(f"{BASE}/collections")
    client.get("/api/kota-tangerang/layers/")
    with django_assert_max_num_queries(8):
        body_json(client.get(f"{BASE}/collections/sekolah/items?limit=50"))
    # The catalogue: the city, its feature layers and their cached extents (3), one
    # query per domain source provider that lists its layer with its version
    # (reports, permits, jobs, facilities: 4), observations' kinds and extents (2), and
    # the city's slug for links (1). What must not grow is the count per *layer*.
    with django_assert_max_num_queries(10):
        body_json(client.get(f"{BASE}/collections"))
    with django_assert_max_num_queries(10):
        body_json(client.get("/api/kota-tangerang/layers/"))
