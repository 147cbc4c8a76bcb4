"""City map popups in Chromium: labels from the layer's schema in the page's language,
no technical keys (osm_id, poi_id, needs_manual_verify, in_kota_tangerang), and the
layer's description in the page's language."""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import expect

from tests.factories import FeatureFactory, LayerFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TECHNICAL = ("osm_id", "poi_id", "needs_manual_verify", "in_kota_tangerang", "osm_type")


def open_first_popup(page, slug: str) -> None:
    # Polled from here: the page's CSP (no 'unsafe-eval') refuses wait_for_function.
    ready = f"!!((window.petakotaLayers || {{}})[{slug!r}] || {{}}).ready"
    for _attempt in range(200):
        if page.evaluate(ready):
            break
        page.wait_for_timeout(50)
    else:
        raise AssertionError(f"layer {slug} never loaded")
    page.evaluate(
        f"""() => {{
          const layers = window.petakotaLayers[{slug!r}].getLayers();
          const named = layers.find((l) => l.feature.properties.nama_kel) || layers[0];
          named.openPopup();
        }}"""
    )


def set_language(page, live_server, lang: str) -> None:
    page.context.add_cookies(
        [{"name": "django_language", "value": lang, "url": live_server.url}]
    )


@pytest.mark.parametrize(
    ("lang", "hidden_label", "description"),
    [
        ("en", "Kelurahan code", "Hospitals (RSUD/RS) from OpenStreetMap."),
        ("id", "Kode kelurahan", "Rumah sakit (RSUD/RS) dari OpenStreetMap."),
    ],
)
def test_popup_shows_schema_labels_not_technical_keys(
    page, live_server, tangerang, console_errors, lang, hidden_label, description
):
    set_language(page, live_server, lang)
    page.goto(f"{live_server.url}/kota-tangerang/")
    expect(page.locator("[data-layer-desc='rumah-sakit']")).to_have_text(description)
    open_first_popup(page, "rumah-sakit")
    popup = page.locator(".leaflet-popup-content")
    expect(popup.locator("h3")).not_to_be_empty()
    expect(popup.locator("table.props th").first).to_be_visible()
    headers = popup.locator("table.props th").all_inner_texts()
    assert "Kelurahan" in headers
    assert "Kecamatan" in headers
    text = popup.inner_text()
    for key in TECHNICAL:
        assert key not in text
    assert hidden_label not in text  # kode_kel is marked hidden in the schema
    expect(popup.locator(".popup-desc")).to_have_text(description)
    assert console_errors == []


def test_layer_without_labels_hides_ids_and_prettifies_keys(
    page, live_server, tangerang, console_errors
):
    layer = LayerFactory(
        city=tangerang,
        slug="taman",
        title="Taman",
        schema=[
            {"name": "name", "type": "text"},
            {"name": "luas_m2", "type": "number"},
            {"name": "osm_id", "type": "text"},
            {"name": "objectid", "type": "integer"},
            {"name": "berpagar", "type": "boolean"},
        ],
    )
    from django.contrib.gis.geos import Point

    FeatureFactory(
        layer=layer,
        city=tangerang,
        geom=Point(106.6318, -6.1729, srid=4326),
        properties={
            "name": "Taman Potret",
            "luas_m2": 1200,
            "osm_id": "w123",
            "objectid": 7,
            "berpagar": True,
        },
    )
    set_language(page, live_server, "id")
    page.goto(f"{live_server.url}/kota-tangerang/")
    open_first_popup(page, "taman")
    popup = page.locator(".leaflet-popup-content")
    expect(popup.locator("h3")).to_have_text("Taman Potret")
    headers = popup.locator("table.props th").all_inner_texts()
    assert headers == ["Luas m2", "Berpagar"]
    assert popup.locator("table.props td").all_inner_texts() == ["1200", "Ya"]
    assert console_errors == []


def test_report_popup_reads_local_time_and_words_not_keys(
    page, live_server, tangerang, console_errors
):
    from datetime import UTC, datetime

    from django.core.management import call_command
    from django.test import Client

    from reports.models import Report
    from tests.reports.conftest import submit

    call_command("seed_report_categories", stdout=open(os.devnull, "w"))  # noqa: SIM115
    ticket = submit(Client(), tangerang).json()["ticket"]
    at = datetime(2026, 11, 27, 5, 50, tzinfo=UTC)  # 12.50 WIB
    Report.objects.filter(ticket=ticket).update(created_at=at, updated_at=at)
    set_language(page, live_server, "id")
    page.goto(f"{live_server.url}/kota-tangerang/")
    open_first_popup(page, "laporan")
    popup = page.locator(".leaflet-popup-content")
    expect(popup).to_contain_text(ticket)
    headers = popup.locator("table.props th").all_inner_texts()
    assert "Kategori" in headers
    assert "category_name" not in headers
    assert "category" not in headers
    created = popup.locator("tr[data-key=created] td")
    expect(created).to_have_text("27 Nov 2026, 12.50 WIB")
    assert "T05:50" not in popup.inner_text()
    assert "submitted" not in popup.locator("tr[data-key=status] td").inner_text()
    assert console_errors == []
