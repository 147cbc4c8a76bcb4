"""The help page without a browser (emergency numbers, a chosen kelurahan, stale
beds, hostile positions), the facilities on the map/OGC/tiles, the kit parts and the
OSM import command."""

from __future__ import annotations

import io
import json
import re
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from facilities.kit_parts import export_contacts, export_kinds
from facilities.models import BedAvailability, EmergencyContact, Facility
from tenancy.kits import export_city_kit
from tenancy.models import AdminArea, Role
from tests.conftest import BOUNDARIES
from tests.facilities.conftest import member
from tests.factories import UserFactory
from tests.http import body_json
from tests.tenancy.test_city_kits import STARTER_KIT

pytestmark = pytest.mark.django_db


def test_help_page_by_kelurahan_with_numbers_beds_staleness_and_bad_input(
    city, settings
):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    page = client.get(f"/{city.slug}/help/")
    html = page.content.decode()
    assert page.status_code == 200
    # Emergency numbers first, as tap-to-call links, in the kit's order.
    numbers = re.findall(r'href="tel:([0-9+]+)"', html)
    assert numbers[:5] == ["112", "118", "119", "113", "110"]
    assert 'id="nearby"' not in html  # no position yet

    sukarasa = AdminArea.objects.get(city=city, name="Sukarasa")
    hospital = Facility.objects.filter(city=city, kind__code="rumah-sakit").first()
    BedAvailability.objects.filter(facility__city=city).delete()
    now = timezone.now()
    BedAvailability.objects.create(
        city=city,
        facility=hospital,
        bed_type="icu",
        available=3,
        total=8,
        updated_at=now - timedelta(hours=3),
    )
    Facility.objects.filter(city=city, kind__code="rumah-sakit").exclude(
        pk=hospital.pk
    ).update(active=False)
    html = client.get(f"/{city.slug}/help/", {"kelurahan": sukarasa.code}).content
    html = html.decode()
    assert "Nearest to the chosen kelurahan" in html
    for kind in ("Hospital", "Community health centre", "Fire station", "Police"):
        assert kind in html
    assert hospital.name in html
    assert "updated 3\xa0hours ago" in html
    assert 'class="stale"' not in html
    assert re.search(r"\d+(\.\d)? km|\d+ m", html)
    assert 'href="geo:' in html
    # Past the configured age the same count is shown stale.
    settings.PETAKOTA_FACILITY_BEDS_STALE_H = 2
    html = client.get(f"/{city.slug}/help/", {"kelurahan": sukarasa.code}).content
    assert 'class="stale"' in html.decode()
    # In Indonesian.
    html = Client(HTTP_ACCEPT_LANGUAGE="id").get(f"/{city.slug}/help/").content
    assert "Nomor darurat" in html.decode()
    # Hostile positions and the nearest API with the console's panel (one demo city
    # for all: loading it is the slow part).
    Facility.objects.filter(city=city).update(active=True)
    hostile_positions_are_refused_in_the_page_and_the_api(city)


HOSTILE = [
    {"lon": "nan", "lat": "1"},
    {"lon": "\uff11\uff10\uff16", "lat": "-6"},
    {"lon": "500", "lat": "-6"},
    {"lat": "-6"},
    {"kelurahan": "<script>"},
    {"kelurahan": "36.71.01\x00"},
]


def hostile_positions_are_refused_in_the_page_and_the_api(city):
    client = Client()
    for query in HOSTILE:
        response = client.get(f"/{city.slug}/help/", query)
        assert response.status_code == 200, query
        html = response.content.decode()
        assert 'role="alert"' in html, query
        assert 'id="nearby"' not in html
        main = html.split("<main>")[1].split("</main>")[0]
        assert "<script>" not in main
    api = f"/api/{city.slug}/facilities/nearest/"
    for query in [
        *HOSTILE[:4],
        {"lon": "106.63", "lat": "-6.17", "n": "0"},
        {"lon": "106.63", "lat": "-6.17", "n": "999"},
        {"lon": "106.63", "lat": "-6.17", "kind": "<b>"},
    ]:
        response = client.get(api, query)
        assert response.status_code == 400, query
        assert response.json()["errors"]
    data = client.get(
        api, {"lon": "106.6318", "lat": "-6.1729", "kind": "rumah-sakit", "n": "2"}
    ).json()
    assert [f["kind"] for f in data["facilities"]] == ["rumah-sakit"] * 2
    first = data["facilities"][0]
    assert first["distance_m"] <= data["facilities"][1]["distance_m"]
    assert first["phones"][0].startswith("+62")
    assert first["open_now"] is True  # 24/7 with an emergency department
    # The operator console carries the panel that asks this API (reports itself
    # imports nothing of facilities).
    operator = member(city, Role.OPERATOR)
    client.force_login(operator)
    console = client.get(f"/{city.slug}/reports/console/").content.decode()
    assert f'data-url="{api}"' in console
    assert "facilities/console_nearby.js" in console


def test_facilities_are_a_public_source_on_the_map_ogc_and_tiles(city):
    client = Client()
    catalog = client.get(f"/api/{city.slug}/layers/").json()
    entry = next(e for e in catalog["layers"] if e["slug"] == "fasilitas")
    assert entry["style"]["color"]
    # On the city map with its legend entry.
    city_map = client.get(f"/{city.slug}/").content.decode()
    assert 'data-layer="fasilitas"' in city_map
    items = client.get(
        f"/ogc/{city.slug}/collections/fasilitas/items",
        {"limit": 500},
        HTTP_ACCEPT="application/geo+json",
    )
    assert items.status_code == 200
    features = body_json(items)["features"]
    assert len(features) == Facility.objects.filter(city=city, active=True).count()
    props = next(f["properties"] for f in features if f["properties"]["beds"])
    assert {"name", "kind", "phones", "opening_hours", "beds"} <= set(props)
    # Filter by kind through the queryables.
    police = client.get(
        f"/ogc/{city.slug}/collections/fasilitas/items",
        {"kind": "polisi"},
        HTTP_ACCEPT="application/geo+json",
    )
    assert {f["properties"]["kind"] for f in body_json(police)["features"]} == {
        "polisi"
    }
    export = client.get(f"/api/{city.slug}/facilities/export.csv")
    assert export.status_code == 200
    text = export.content.decode("utf-8-sig")
    hospital = Facility.objects.filter(city=city, kind__hospital=True).first()
    assert hospital.name in text
    assert "+62" not in text  # phones as dialled, never a formula-looking cell
    collection = body_json(client.get(f"/ogc/{city.slug}/collections/fasilitas"))
    assert any(
        link["href"].endswith("/facilities/export.csv") for link in collection["links"]
    )
    tile = client.get(f"/tiles/{city.slug}/fasilitas/12/3283/2111.mvt")
    assert tile.status_code in (200, 204)


def test_kit_parts_round_trip_and_the_osm_import_command(city, tmp_path, gorontalo):
    folder = tmp_path / "kit"
    export_city_kit(city, folder)
    for name in ("facility_kinds.yaml", "emergency_contacts.yaml"):
        assert (folder / name).read_text() == (STARTER_KIT / name).read_text()
    assert export_kinds(city)[0]["code"] == "rumah-sakit"
    assert export_contacts(city)[0]["phone"] == "112"

    # The city's administrator manages the numbers in the admin too (normalised).
    admin = Client()
    admin.force_login(UserFactory(is_staff=True, is_superuser=True))
    response = admin.post(
        "/admin/facilities/emergencycontact/add/",
        {
            "city": city.pk,
            "code": "pdam",
            "name": "PDAM",
            "name_en": "Water",
            "phone": "(021) 5527-1234",
            "order": 9,
        },
    )
    assert response.status_code == 302, response.content[:2000]
    assert EmergencyContact.objects.get(city=city, code="pdam").phone == "+622155271234"
    hospital = Facility.objects.filter(city=city, kind__hospital=True).first()
    page = admin.get(f"/admin/facilities/facility/{hospital.pk}/change/")
    assert page.status_code == 200

    # Gorontalo gets the kinds, then imports OSM-derived points; twice is a no-op.
    call_command(
        "onboard_city",
        "kota-gorontalo",
        "--city",
        str(BOUNDARIES / "kota_gorontalo_city.geojson"),
        "--kecamatan",
        str(BOUNDARIES / "kota_gorontalo_kecamatan.geojson"),
        "--kelurahan",
        str(BOUNDARIES / "kota_gorontalo_kelurahan.geojson"),
        "--kit",
        str(STARTER_KIT),
        stdout=io.StringIO(),
    )
    assert EmergencyContact.objects.filter(city=gorontalo).count() >= 5
    centre = gorontalo.default_center
    points = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {
                    "name": "RSUD Prof. Dr. H. Aloei Saboe",
                    "amenity": "hospital",
                    "osm_id": "n1",
                    "phone": "(0435) 821019",
                    "opening_hours": "24/7",
                },
                "geometry": {"type": "Point", "coordinates": [centre.x, centre.y]},
            },
            {
                "type": "Feature",
                "properties": {"name": "Far away", "amenity": "clinic", "osm_id": "n2"},
                "geometry": {"type": "Point", "coordinates": [106.6, -6.2]},
            },
            {
                "type": "Feature",
                "properties": {
                    "name": "Bad phone",
                    "amenity": "clinic",
                    "osm_id": "n3",
                    "phone": "12",
                },
                "geometry": {"type": "Point", "coordinates": [centre.x, centre.y]},
            },
            {
                "type": "Feature",
                "properties": {"name": "A bench", "amenity": "bench", "osm_id": "n4"},
                "geometry": {"type": "Point", "coordinates": [centre.x, centre.y]},
            },
        ],
    }
    path = tmp_path / "osm.geojson"
    path.write_text(json.dumps(points))
    out, err = io.StringIO(), io.StringIO()
    call_command("import_facilities", gorontalo.slug, str(path), stdout=out, stderr=err)
    assert "1 created" in out.getvalue()
    assert "2 skipped" in out.getvalue()
    assert "outside" in err.getvalue()
    rsud = Facility.objects.get(city=gorontalo, osm_id="n1")
    assert rsud.phones == ["+62435821019"]
    assert rsud.agency.slug == "dinkes"
    assert rsud.kelurahan is not None
    out = io.StringIO()
    call_command("import_facilities", gorontalo.slug, str(path), stdout=out, stderr=err)
    assert "0 created, 0 updated, 1 unchanged" in out.getvalue()
