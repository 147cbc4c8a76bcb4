"""Category publicity: public (exact point), fuzzed, private (staff only).

The public point is re-derived whenever a report's point or category changes, by any
path (issue 9 item 5); fuzzed reports carry no area name in public outputs; a private
report appears in no public output at all (issue 10)."""

from __future__ import annotations

import json

import mapbox_vector_tile
import pytest
from django.contrib.gis.geos import Point
from django.core.management import call_command
from django.test import Client

from reports.models import Category, Publicity, Report
from reports.sources import KEY
from tests.reports.conftest import INSIDE, photo_bytes, submit
from tests.reports.test_privacy import CONTACT, body, coords_in

pytestmark = pytest.mark.django_db

SECRET = "Nama korban Ani di rumah no 5"


def metres(a: Point, b: Point) -> float:
    return a.transform(32748, clone=True).distance(b.transform(32748, clone=True))


def report_of(response) -> Report:
    assert response.status_code == 201, response.content
    return Report.objects.get(ticket=response.json()["ticket"])


def set_publicity(city, code: str, publicity: str) -> Category:
    category = Category.objects.get(city=city, code=code)
    category.publicity = publicity
    category.save()
    return category


# -- Issue 9 item 5: the public point follows every change -------------------------


def test_recategorising_into_a_fuzzed_category_moves_the_public_point(city):
    report = report_of(submit(Client(), city))
    assert report.public_geom == report.geom
    fuzzed = set_publicity(city, "sampah", Publicity.FUZZED)
    # The admin path (a full save) ...
    report.category = fuzzed
    report.save()
    report.refresh_from_db()
    assert 150 <= metres(report.geom, report.public_geom) <= 300
    # ... and a queryset update, which runs no Python code at all.
    other = report_of(submit(Client(), city))
    Report.objects.filter(pk=other.pk).update(category=fuzzed)
    other.refresh_from_db()
    assert 150 <= metres(other.geom, other.public_geom) <= 300


def test_moving_a_fuzzed_report_moves_its_public_point(city):
    set_publicity(city, "jalan-rusak", Publicity.FUZZED)
    report = report_of(submit(Client(), city))
    first = report.public_geom
    moved = Point(INSIDE[0] + 0.01, INSIDE[1], srid=4326)
    Report.objects.filter(pk=report.pk).update(geom=moved)
    report.refresh_from_db()
    assert 150 <= metres(moved, report.public_geom) <= 300
    assert metres(first, report.public_geom) > 500


def test_back_to_public_shows_the_exact_point_and_status_changes_keep_it(city):
    category = set_publicity(city, "jalan-rusak", Publicity.FUZZED)
    report = report_of(submit(Client(), city))
    fuzzed_at = report.public_geom
    # Saving other fields never re-draws the fuzzed point (no averaging by polling).
    report.status = "verified"
    report.save()
    report.refresh_from_db()
    assert report.public_geom == fuzzed_at
    category.publicity = Publicity.PUBLIC
    category.save()
    report.refresh_from_db()
    assert report.public_geom == report.geom


def test_a_category_turning_fuzzed_moves_its_existing_reports(city):
    report = report_of(submit(Client(), city))
    before = report.updated_at
    set_publicity(city, "jalan-rusak", Publicity.FUZZED)
    report.refresh_from_db()
    assert 150 <= metres(report.geom, report.public_geom) <= 300
    assert report.updated_at > before  # the public layer's version moves


def test_fuzzed_reports_carry_no_area_name_in_public_outputs(city):
    set_publicity(city, "jalan-rusak", Publicity.FUZZED)
    report = report_of(submit(Client(), city))
    c = Client()
    one = c.get(f"/api/{city.slug}/reports/{report.ticket}").json()
    assert one["kelurahan"] is None
    assert one["kecamatan"] is None
    geo = json.loads(body(c.get(f"/api/{city.slug}/reports/public.geojson")))
    props = geo["features"][0]["properties"]
    assert props["kelurahan"] is None
    assert props["kecamatan"] is None
    o311 = c.get(
        f"/open311/v2/requests/{report.ticket}.json", {"jurisdiction_id": city.slug}
    ).json()[0]
    assert not o311["address"]
    page = c.get(f"/{city.slug}/reports/t/{report.ticket}/").content.decode()
    assert "Sukarasa" not in page
    # Staff still see where it is.
    assert report.kelurahan.name == "Sukarasa"


# -- Issue 10: private categories ------------------------------------------------------


def test_demo_violence_category_is_private(city):
    assert Category.objects.get(city=city, code="kekerasan").private
    call_command("seed_report_categories", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert Category.objects.get(city=city, code="kekerasan").publicity == "private"


@pytest.fixture
def private_report(city) -> Report:
    from django.core.files.uploadedfile import SimpleUploadedFile

    photo = SimpleUploadedFile("a.jpg", photo_bytes(), "image/jpeg")
    return report_of(
        submit(
            Client(),
            city,
            category="kekerasan",
            answers="{}",
            description=SECRET,
            photos=[photo],
            **CONTACT,
        )
    )


def assert_absent(
    text: str, report: Report, where: str, *, coords: bool = True
) -> None:
    assert report.ticket not in text, where
    assert SECRET not in text, where
    assert "Kekerasan" not in text, where
    assert "kekerasan" not in text, where
    for secret in CONTACT.values():
        assert secret not in text, where
    for lon, lat in coords_in(text) if coords else ():
        assert metres(Point(lon, lat, srid=4326), report.geom) > 500, (where, lon, lat)


def tile_xy(lon: float, lat: float, z: int) -> tuple[int, int]:
    import math

    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


def test_private_report_is_in_no_public_output(city, private_report):
    r = private_report
    slug = city.slug
    c = Client()
    o311 = {"jurisdiction_id": slug}
    lists = {
        "reports geojson": c.get(f"/api/{slug}/reports/public.geojson"),
        "ogc items": c.get(f"/ogc/{slug}/collections/{KEY}/items"),
        "ogc items html": c.get(f"/ogc/{slug}/collections/{KEY}/items", {"f": "html"}),
        "open311 list json": c.get("/open311/v2/requests.json", o311),
        "open311 list xml": c.get("/open311/v2/requests.xml", o311),
        "open311 by id": c.get(
            "/open311/v2/requests.json", {**o311, "service_request_id": r.ticket}
        ),
        "layer near": c.get(
            f"/api/{slug}/layers/{KEY}/near",
            {"lon": r.geom.x, "lat": r.geom.y, "radius_m": 2000},
        ),
        "layer nearest": c.get(
            f"/api/{slug}/layers/{KEY}/nearest",
            {"lon": r.geom.x, "lat": r.geom.y, "n": 5},
        ),
        "layer counts": c.get(
            f"/api/{slug}/layers/{KEY}/counts", {"level": "kelurahan"}
        ),
        "nearby": c.get(
            f"/api/{slug}/reports/nearby",
            {"category": "kekerasan", "lon": r.geom.x, "lat": r.geom.y},
        ),
        "city map": c.get(f"/{slug}/"),
        "shareable map file": c.get(f"/{slug}/map.html"),
        "tilejson": c.get(f"/tiles/{slug}/{KEY}.json"),
    }
    for where, response in lists.items():
        assert response.status_code == 200, (where, response.status_code)
        # The map file holds the demo layers' places; TileJSON the city's centre.
        coords = where not in ("shareable map file", "tilejson")
        assert_absent(body(response), r, where, coords=coords)
    # No public report: the layer's bounds are not drawn around the private one.
    assert json.loads(body(lists["tilejson"]))["bounds"][0] == -180
    counts = json.loads(body(lists["layer counts"]))
    assert sum(a["count"] for a in counts["areas"]) == 0
    # One item, by id or ticket: not found, like a report that does not exist.
    assert c.get(f"/ogc/{slug}/collections/{KEY}/items/{r.pk}").status_code == 404
    one311 = c.get(f"/open311/v2/requests/{r.ticket}.json", o311)
    assert one311.status_code == 404
    # Vector tiles around both points, at a few zooms.
    for z in (12, 15, 17):
        for point in (r.geom, r.public_geom):
            x, y = tile_xy(point.x, point.y, z)
            for url in (
                f"/tiles/{slug}/{KEY}/{z}/{x}/{y}.mvt",
                f"/ogc/{slug}/collections/{KEY}/tiles/WebMercatorQuad/{z}/{y}/{x}",
            ):
                tile = c.get(url)
                assert tile.status_code in (200, 204), (url, tile.status_code)
                content = (
                    b"".join(tile.streaming_content) if tile.streaming else tile.content
                )
                layers = mapbox_vector_tile.decode(content) if content else {}
                features = [f for lay in layers.values() for f in lay["features"]]
                assert features == [], (url, features)
    # Its photos stay private.
    photo = r.photos.get()
    for kind in ("image", "thumbnail", "original"):
        response = c.get(f"/{slug}/reports/photos/{photo.pk}/{kind}.jpg")
        assert response.status_code == 404, kind


def test_private_report_tracking_shows_progress_only(city, private_report):
    r = private_report
    c = Client()
    data = c.get(f"/api/{city.slug}/reports/{r.ticket}").json()
    assert data["status"] == "submitted"
    for key in ("category", "category_name", "description", "lon", "lat"):
        assert data[key] is None, key
    assert data["kelurahan"] is None
    assert data["photos"] == []
    page = c.get(f"/{city.slug}/reports/t/{r.ticket}/").content.decode()
    assert r.ticket in page  # its holder follows it
    assert SECRET not in page
    assert "Kekerasan" not in page
    assert "Sukarasa" not in page
    for lon, lat in coords_in(page):  # the city's bounds only
        assert metres(Point(lon, lat, srid=4326), r.geom) > 2000


def test_staff_see_a_private_report_in_the_console(
    city, private_report, operator_client
):
    rows = operator_client.get(f"/api/{city.slug}/reports/console/reports").json()
    row = next(row for row in rows["reports"] if row["ticket"] == private_report.ticket)
    assert row["publicity"] == "private"
    assert row["lon"] == pytest.approx(private_report.geom.x)
    assert row["description"] == SECRET


def test_a_public_report_turning_private_leaves_the_public_map(city):
    report = report_of(submit(Client(), city, category="sampah", answers="{}"))
    geo = json.loads(body(Client().get(f"/api/{city.slug}/reports/public.geojson")))
    assert [f["properties"]["ticket"] for f in geo["features"]] == [report.ticket]
    set_publicity(city, "sampah", Publicity.PRIVATE)
    geo = json.loads(body(Client().get(f"/api/{city.slug}/reports/public.geojson")))
    assert geo["features"] == []
    items = (
        Client().get("/open311/v2/requests.json", {"jurisdiction_id": city.slug}).json()
    )
    assert items == []


def test_a_fuzzed_category_needs_a_real_fuzz_distance(city):
    from django.core.exceptions import ValidationError

    category = Category.objects.get(city=city, code="sampah")
    category.publicity = Publicity.FUZZED
    category.fuzz_m = 5
    with pytest.raises(ValidationError) as refused:
        category.full_clean()
    assert "fuzz_m" in refused.value.message_dict
    category.fuzz_m = 150
    category.full_clean()


def test_a_fuzzed_report_names_no_agency_that_was_routed_by_area(city):
    from reports.models import RoutingRule
    from tenancy.models import AdminArea, Agency

    category = set_publicity(city, "jalan-rusak", Publicity.FUZZED)
    own = report_of(submit(Client(), city))
    assert own.agency == category.agency
    RoutingRule.objects.create(
        city=city,
        category=category,
        area=AdminArea.objects.get(city=city, level="kecamatan", name="Tangerang"),
        agency=Agency.objects.get(city=city, slug="dlh"),
    )
    routed = report_of(submit(Client(), city))
    assert routed.agency.slug == "dlh"
    c = Client()
    geo = json.loads(body(c.get(f"/api/{city.slug}/reports/public.geojson")))
    agencies = {
        f["properties"]["ticket"]: f["properties"]["agency"] for f in geo["features"]
    }
    assert agencies[routed.ticket] is None
    assert agencies[own.ticket] is not None
    one = c.get(f"/api/{city.slug}/reports/{routed.ticket}").json()
    assert one["agency"] is None
    o311 = c.get(
        f"/open311/v2/requests/{routed.ticket}.json", {"jurisdiction_id": city.slug}
    ).json()[0]
    assert o311["agency_responsible"] is None


def test_a_public_report_cannot_join_a_private_one(city, operator_client):
    private = report_of(submit(Client(), city, category="kekerasan", answers="{}"))
    public = report_of(submit(Client(), city))
    response = operator_client.post(
        f"/api/{city.slug}/reports/console/reports/{public.ticket}/action",
        json.dumps({"action": "merge", "into": private.ticket}),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"into"}
    public.refresh_from_db()
    assert public.duplicate_of is None
