"""Privacy and hostile input in every public output: the map's GeoJSON, Open311, the
tracking page and its JSON — and, once registered, the engine's other surfaces."""

from __future__ import annotations

import json

import pytest
from django.contrib.gis.geos import Point
from django.test import Client

from reports.models import Category, Report
from tests.reports.conftest import INSIDE, submit

pytestmark = pytest.mark.django_db

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'
CONTACT = {
    "contact_name": "Budi Rahasia",
    "contact_phone": "081299998888",
    "contact_email": "budi.rahasia@example.org",
}


def body(response) -> str:
    if response.streaming:
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


def public_outputs(city, ticket: str) -> dict[str, str]:
    c = Client()
    o311 = {"jurisdiction_id": city.slug}
    return {
        "geojson": body(c.get(f"/api/{city.slug}/reports/public.geojson")),
        "report-json": c.get(f"/api/{city.slug}/reports/{ticket}").content.decode(),
        "tracking": c.get(f"/{city.slug}/reports/t/{ticket}/").content.decode(),
        "open311-list": c.get("/open311/v2/requests.json", o311).content.decode(),
        "open311-one": c.get(
            f"/open311/v2/requests/{ticket}.xml", o311
        ).content.decode(),
    }


def coords_in(text: str) -> list[tuple[float, float]]:
    """Every (lon, lat) pair near the city in a text (JSON arrays, lat/long fields)."""
    import re

    found = []
    for lon, lat in re.findall(r"(106\.\d+)\s*,\s*(-6\.\d+)", text):
        found.append((float(lon), float(lat)))
    for lat, lon in re.findall(r"(-6\.\d+)\D{1,40}?(106\.\d+)", text):
        found.append((float(lon), float(lat)))
    return found


def test_contact_details_never_reach_public_outputs(city):
    ticket = submit(Client(), city, **CONTACT).json()["ticket"]
    for name, text in public_outputs(city, ticket).items():
        for secret in CONTACT.values():
            assert secret not in text, name


def test_sensitive_report_shows_no_exact_location_or_story(city):
    Category.objects.filter(city=city, code="kekerasan").update(publicity="fuzzed")
    ticket = submit(
        Client(),
        city,
        category="kekerasan",
        answers="{}",
        description="Nama korban Ani di rumah no 5",
        **CONTACT,
    ).json()["ticket"]
    exact = Report.objects.get(ticket=ticket).geom
    outputs = public_outputs(city, ticket)
    for name, text in outputs.items():
        assert "Nama korban" not in text, name
        for lon, lat in coords_in(text):
            d = (
                Point(lon, lat, srid=4326)
                .transform(32748, clone=True)
                .distance(exact.transform(32748, clone=True))
            )
            assert d > 100, (name, lon, lat)
    geojson = json.loads(outputs["geojson"])
    assert len(geojson["features"]) == 1
    assert "contact_phone" not in outputs["geojson"]


def test_hostile_text_is_shown_as_text(city):
    ticket = submit(
        Client(), city, description=HOSTILE, address=HOSTILE, contact_name=HOSTILE
    ).json()["ticket"]
    page = Client().get(f"/{city.slug}/reports/t/{ticket}/").content.decode()
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    # JSON and XML carry it as data, escaped by their serialisers.
    one = Client().get(
        f"/open311/v2/requests/{ticket}.xml", {"jurisdiction_id": city.slug}
    )
    assert b"<script>" not in one.content
    geo = json.loads(body(Client().get(f"/api/{city.slug}/reports/public.geojson")))
    assert geo["features"][0]["properties"]["description"] == HOSTILE


def test_rejected_reports_leave_public_lists(city):
    ticket = submit(Client(), city).json()["ticket"]
    Report.objects.filter(ticket=ticket).update(status="rejected")
    outputs = public_outputs(city, ticket)
    assert ticket not in outputs["geojson"]
    assert ticket not in outputs["open311-list"]
    assert ticket in outputs["tracking"]  # its holder still learns the outcome


def test_engine_registry_serves_reports_with_public_columns_only(city):
    registry = pytest.importorskip("layers.engine.registry")
    from django.contrib.auth.models import AnonymousUser

    submit(Client(), city, **CONTACT)
    keys = [s.key for s in registry.sources_for(city, AnonymousUser())]
    assert "laporan" in keys
    source = registry.source_for(city, AnonymousUser(), "laporan")
    assert source.geom_column == "public_geom"
    assert "contact" not in source.properties_sql


def test_submission_page_renders_for_the_city(city):
    page = Client().get(f"/{city.slug}/reports/")
    assert page.status_code == 200
    assert b"report-config" in page.content
    assert Client().get(f"/{city.slug}/reports/console/").status_code == 302
    assert INSIDE
