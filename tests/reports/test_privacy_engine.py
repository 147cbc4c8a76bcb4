"""Privacy of reports on the serving engine's surfaces: OGC API Features, vector tiles
and TileJSON, spatial queries, exports and the city map (also in Chromium).

Two reports go through the real API, both with contact details and hostile text: one
of a sensitive category (its public point is fuzzed at submission) and a normal one
about a kilometre away. No public output may carry a contact detail, the sensitive
report's story, or a point near where it really happened."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

import mapbox_vector_tile
import pytest
from django.contrib.gis.geos import Point, Polygon
from django.test import Client

from reports.models import Category, Report
from reports.sources import KEY
from tests.reports.conftest import INSIDE, submit
from tests.reports.test_privacy import CONTACT, body, coords_in

pytestmark = pytest.mark.django_db

CITY = "kota-tangerang"
# A second place inside the city (Kecamatan Tangerang), ~1 km from INSIDE.
SENSITIVE_AT = (106.6400, -6.1790)
HOSTILE = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>'
STORY = "Nama korban Ani di rumah no 5"
# Closer than this to the sensitive report's exact point counts as revealing it (the
# category fuzzes by 150-300 m).
REVEALS_M = 100
PUBLIC_PROPERTIES = {
    "ticket",
    "category",
    "category_name",
    "status",
    "description",
    "kelurahan",
    "kecamatan",
    "agency",
    "supporters",
    "created",
    "updated",
    "due",
    "overdue",
}


@dataclass
class Submitted:
    sensitive: Report
    normal: Report

    @property
    def exact(self) -> Point:
        return self.sensitive.geom


def submit_pair(city) -> Submitted:
    """A fuzzed and a normal report, through the API, as anonymous citizens."""
    Category.objects.filter(city=city, code="kekerasan").update(publicity="fuzzed")
    sensitive = submit(
        Client(),
        city,
        category="kekerasan",
        answers="{}",
        lon=SENSITIVE_AT[0],
        lat=SENSITIVE_AT[1],
        description=f"{STORY} {HOSTILE}",
        address=HOSTILE,
        **CONTACT,
    )
    normal = submit(Client(), city, description=HOSTILE, address=HOSTILE, **CONTACT)
    assert sensitive.status_code == normal.status_code == 201
    return Submitted(
        sensitive=Report.objects.get(ticket=sensitive.json()["ticket"]),
        normal=Report.objects.get(ticket=normal.json()["ticket"]),
    )


@pytest.fixture
def reports(city) -> Submitted:
    return submit_pair(city)


def metres(a: Point | tuple[float, float], b: Point | tuple[float, float]) -> float:
    a = a if isinstance(a, Point) else Point(*a, srid=4326)
    b = b if isinstance(b, Point) else Point(*b, srid=4326)
    return a.transform(32748, clone=True).distance(b.transform(32748, clone=True))


def assert_private(text: str, reports: Submitted, where: str) -> None:
    """No contact detail, no sensitive story, no point near the exact one."""
    for secret in CONTACT.values():
        assert secret not in text, where
    assert STORY not in text, where
    for lon, lat in coords_in(text):
        assert metres((lon, lat), reports.exact) > REVEALS_M, (where, lon, lat)


def feature_of(collection: dict, report: Report) -> dict:
    found = [f for f in collection["features"] if f["id"] == report.pk]
    assert len(found) == 1, [f["id"] for f in collection["features"]]
    return found[0]


def assert_public_features(collection: dict, reports: Submitted) -> None:
    for feature in collection["features"]:
        assert set(feature["properties"]) - {"distance_m"} <= PUBLIC_PROPERTIES
    sensitive = feature_of(collection, reports.sensitive)
    point = tuple(sensitive["geometry"]["coordinates"])
    assert metres(point, reports.sensitive.public_geom) < 1
    assert metres(point, reports.exact) > REVEALS_M
    assert sensitive["properties"]["description"] is None
    normal = feature_of(collection, reports.normal)
    assert normal["properties"]["description"] == HOSTILE


# -- OGC API Features --------------------------------------------------------------


def test_ogc_lists_reports_collection_for_the_public(reports):
    response = Client().get(f"/ogc/{CITY}/collections")
    assert response.status_code == 200
    ids = [c["id"] for c in response.json()["collections"]]
    assert KEY in ids
    assert_private(response.content.decode(), reports, "collections")
    one = Client().get(f"/ogc/{CITY}/collections/{KEY}")
    assert one.status_code == 200
    assert_private(one.content.decode(), reports, "collection")
    queryables = Client().get(f"/ogc/{CITY}/collections/{KEY}/queryables")
    assert not {"contact_phone", "contact_email", "contact_name", "address"} & set(
        queryables.json()["properties"]
    )


def test_ogc_items_carry_public_fields_and_the_fuzzed_point(reports):
    response = Client().get(f"/ogc/{CITY}/collections/{KEY}/items")
    assert response.status_code == 200
    text = body(response)
    assert_private(text, reports, "items")
    assert_public_features(json.loads(text), reports)
    for report in (reports.sensitive, reports.normal):
        one = Client().get(f"/ogc/{CITY}/collections/{KEY}/items/{report.pk}")
        assert one.status_code == 200
        assert_private(one.content.decode(), reports, f"item {report.ticket}")
        assert set(one.json()["properties"]) <= PUBLIC_PROPERTIES


def test_ogc_html_pages_show_hostile_text_as_text(reports):
    for path in ("items", f"items/{reports.normal.pk}"):
        page = Client().get(f"/ogc/{CITY}/collections/{KEY}/{path}", {"f": "html"})
        assert page.status_code == 200
        html = page.content.decode()
        assert_private(html, reports, path)
        assert "<script>window.__pwned" not in html
        assert '<img src=x onerror="window.__pwned' not in html


def test_ogc_filters_match_the_public_point_only(reports):
    """A tiny polygon around the exact point (CQL2, bbox) finds nothing; around the
    public point it finds the report."""
    x, y = reports.exact.x, reports.exact.y
    d = 0.0002  # ~20 m
    near_exact = f"POLYGON(({x - d} {y - d},{x + d} {y - d},{x + d} {y + d},{x - d} {y + d},{x - d} {y - d}))"  # noqa: E501
    url = f"/ogc/{CITY}/collections/{KEY}/items"
    by_cql = Client().get(url, {"filter": f"S_INTERSECTS(geometry, {near_exact})"})
    assert by_cql.status_code == 200
    assert json.loads(body(by_cql))["features"] == []
    by_bbox = Client().get(url, {"bbox": f"{x - d},{y - d},{x + d},{y + d}"})
    assert json.loads(body(by_bbox))["features"] == []
    p = reports.sensitive.public_geom
    around_public = Client().get(
        url, {"bbox": f"{p.x - d},{p.y - d},{p.x + d},{p.y + d}"}
    )
    found = json.loads(body(around_public))["features"]
    assert [f["id"] for f in found] == [reports.sensitive.pk]


# -- Vector tiles and TileJSON -----------------------------------------------------


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 1 << z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


def pixel_in(lon: float, lat: float, z: int, x: int, y: int) -> tuple[float, float]:
    """Position of (lon, lat) in tile (z, x, y) in tile units (4096), y down."""
    n = 1 << z
    px = ((lon + 180) / 360 * n - x) * 4096
    py = ((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n - y) * 4096
    return px, py


def metres_per_unit(lat: float, z: int) -> float:
    return 40_075_016.686 * math.cos(math.radians(lat)) / (1 << z) / 4096


def decoded(content: bytes) -> list[dict]:
    tile = mapbox_vector_tile.decode(content, default_options={"y_coord_down": True})
    return tile.get(KEY, {"features": []})["features"]


@pytest.mark.parametrize("z", [14, 15, 16])
def test_tiles_hold_the_fuzzed_point_and_no_private_field(reports, z):
    exact, public = reports.exact, reports.sensitive.public_geom
    seen_sensitive = False
    for lon, lat in ((exact.x, exact.y), (public.x, public.y)):
        x, y = tile_of(lon, lat, z)
        response = Client().get(f"/tiles/{CITY}/{KEY}/{z}/{x}/{y}.mvt")
        assert response.status_code == 200
        for secret in (*CONTACT.values(), STORY, "onerror"):
            assert secret.encode() not in response.content
        exact_px = pixel_in(exact.x, exact.y, z, x, y)
        for feature in decoded(response.content):
            assert set(feature["properties"]) <= {"ticket", "category", "status"}
            fx, fy = feature["geometry"]["coordinates"]
            off_m = math.dist((fx, fy), exact_px) * metres_per_unit(exact.y, z)
            assert off_m > REVEALS_M, (z, feature)
            if feature["properties"]["ticket"] == reports.sensitive.ticket:
                seen_sensitive = True
                public_px = pixel_in(public.x, public.y, z, x, y)
                assert math.dist((fx, fy), public_px) <= 1.5
    assert seen_sensitive


def test_tilejson_points_at_working_tiles(reports):
    response = Client().get(f"/tiles/{CITY}/{KEY}.json")
    assert response.status_code == 200
    doc = response.json()
    assert set(doc["vector_layers"][0]["fields"]) == {"ticket", "category", "status"}
    assert_private(response.content.decode(), reports, "tilejson")
    z = 15
    x, y = tile_of(reports.normal.geom.x, reports.normal.geom.y, z)
    url = doc["tiles"][0].replace("{z}/{x}/{y}", f"{z}/{x}/{y}")
    tile = Client().get(url.removeprefix("http://testserver"))
    assert tile.status_code == 200
    tickets = {f["properties"]["ticket"] for f in decoded(tile.content)}
    assert reports.normal.ticket in tickets


def test_ogc_tiles_route_serves_the_same_public_tile(reports):
    z = 16
    public = reports.sensitive.public_geom
    x, y = tile_of(public.x, public.y, z)
    ogc = Client().get(
        f"/ogc/{CITY}/collections/{KEY}/tiles/WebMercatorQuad/{z}/{y}/{x}"
    )
    assert ogc.status_code == 200
    xyz = Client().get(f"/tiles/{CITY}/{KEY}/{z}/{x}/{y}.mvt")
    assert decoded(ogc.content) == decoded(xyz.content)


# -- Spatial queries ---------------------------------------------------------------


def api(path: str, **params) -> tuple[int, str]:
    response = Client().get(f"/api/{CITY}/layers/{KEY}/{path}", params)
    return response.status_code, body(response)


def test_near_and_nearest_measure_from_the_public_point(reports):
    exact = reports.exact
    status, text = api("near", lon=exact.x, lat=exact.y, radius_m=REVEALS_M)
    assert status == 200
    assert_private(text, reports, "near")
    assert json.loads(text)["features"] == []

    status, text = api("near", lon=exact.x, lat=exact.y, radius_m=2000)
    assert_private(text, reports, "near 2 km")
    assert_public_features(json.loads(text), reports)

    status, text = api("nearest", lon=exact.x, lat=exact.y, n=5)
    assert status == 200
    assert_private(text, reports, "nearest")
    collection = json.loads(text)
    assert_public_features(collection, reports)
    distance = feature_of(collection, reports.sensitive)["properties"]["distance_m"]
    assert distance == pytest.approx(
        metres(reports.exact, reports.sensitive.public_geom), abs=2
    )


def test_within_a_drawn_polygon_uses_the_public_point(reports):
    exact = reports.exact
    tiny = Polygon.from_bbox(
        (exact.x - 0.0002, exact.y - 0.0002, exact.x + 0.0002, exact.y + 0.0002)
    )
    status, text = api("within", geometry=tiny.json)
    assert status == 200
    assert json.loads(text)["features"] == []

    public = reports.sensitive.public_geom
    around = Polygon.from_bbox(
        (public.x - 0.0002, public.y - 0.0002, public.x + 0.0002, public.y + 0.0002)
    )
    status, text = api("within", geometry=around.json)
    assert_private(text, reports, "within polygon")
    assert [f["id"] for f in json.loads(text)["features"]] == [reports.sensitive.pk]


def test_within_an_area_and_counts_use_the_public_point(reports):
    from tenancy.models import AdminArea

    public = reports.sensitive.public_geom
    area = AdminArea.objects.get(
        city__slug=CITY, level="kelurahan", geom__intersects=public
    )
    status, text = api("within", area=area.code)
    assert status == 200
    assert_private(text, reports, "within area")
    assert reports.sensitive.pk in [f["id"] for f in json.loads(text)["features"]]

    status, text = api("counts", level="kelurahan")
    assert status == 200
    assert_private(text, reports, "counts")
    counts = {a["code"]: a["count"] for a in json.loads(text)["areas"]}
    assert sum(counts.values()) == 2
    assert counts[area.code] >= 1
    status, text = api("counts", level="kecamatan", f="geojson")
    assert status == 200
    for secret in CONTACT.values():
        assert secret not in text


# -- Exports -----------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["geojson", "csv", "gpkg", "shp", "kml"])
def test_exports_refuse_the_reports_source(reports, fmt):
    """Exports serve Layer rows (their schema, their table); reports are not one, so
    the export route answers 404 like for any unknown layer and leaks nothing."""
    response = Client().get(f"/api/{CITY}/layers/{KEY}/export", {"format": fmt})
    assert response.status_code == 404
    assert_private(body(response), reports, f"export {fmt}")


# -- The city map ------------------------------------------------------------------


def test_map_page_lists_reports_with_links_to_public_data(reports):
    page = Client().get(f"/{CITY}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert f'data-layer="{KEY}"' in html
    assert_private(html, reports, "map page")
    config = json.loads(
        html.split('<script id="map-config" type="application/json">')[1].split(
            "</script>"
        )[0]
    )
    info = next(layer for layer in config["layers"] if layer["slug"] == KEY)
    assert info["feature_count"] == 2
    assert info["render"] == "geojson"
    features = Client().get(info["links"]["features"], {"limit": 10000})
    text = body(features)
    assert_private(text, reports, "map features")
    assert_public_features(json.loads(text), reports)


def test_rejected_report_leaves_engine_surfaces(reports):
    Report.objects.filter(pk=reports.normal.pk).update(status="rejected")
    items = json.loads(body(Client().get(f"/ogc/{CITY}/collections/{KEY}/items")))
    assert [f["id"] for f in items["features"]] == [reports.sensitive.pk]
    _status, text = api("nearest", lon=INSIDE[0], lat=INSIDE[1], n=5)
    assert reports.normal.ticket not in text


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_map_in_chromium_shows_reports_fuzzed_with_escaped_popups(
    page, live_server, city, external_requests, console_errors
):
    reports = submit_pair(city)
    page.goto(f"{live_server.url}/{CITY}/")
    page.wait_for_function(
        "() => window.petakotaLayers && window.petakotaLayers['laporan'] &&"
        " Object.values(window.petakotaLayers).every(l => l.ready)"
    )
    assert page.locator(f"input[data-layer='{KEY}']").is_checked()
    drawn = page.evaluate(
        "window.petakotaLayers['laporan'].getLayers()"
        ".map(l => [l.getLatLng().lng, l.getLatLng().lat])"
    )
    assert len(drawn) == 2
    for lon, lat in drawn:
        assert metres((lon, lat), reports.exact) > REVEALS_M

    # Click the normal report where it is drawn, like a person would.
    lon, lat = reports.normal.public_geom.x, reports.normal.public_geom.y
    page.evaluate(f"window.petakotaMap.setView([{lat}, {lon}], 18, {{animate: false}})")
    page.wait_for_timeout(300)
    point = page.evaluate(
        "(() => { const p = window.petakotaMap.latLngToContainerPoint("
        f"[{lat}, {lon}]);"
        " const r = document.getElementById('map').getBoundingClientRect();"
        " return [r.left + p.x, r.top + p.y]; })()"
    )
    page.mouse.click(point[0], point[1])
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    text = popup.inner_text()
    assert HOSTILE in text
    assert reports.normal.ticket in text
    assert popup.locator("img, script").count() == 0
    assert page.evaluate("window.__pwned") is None
    assert_private(page.content(), reports, "map in Chromium")
    assert external_requests == []
    assert console_errors == []
