"""The shareable HTML map: self-contained, offline, escaped."""

import re

import pytest
from django.contrib.gis.geos import Point

from layers.models import Feature, Layer, Visibility

HOSTILE = '<img src=x onerror="window.__pwned=1">'


def test_static_map_is_one_self_contained_file(client, tangerang):
    response = client.get("/kota-tangerang/map.html")
    assert response.status_code == 200
    assert 'filename="peta-kota-tangerang.html"' in response["Content-Disposition"]
    html = response.content.decode()
    assert re.findall(r'<(?:script|link)[^>]+(?:src|href)="https?:', html) == []
    assert "L.map(" in html or "L.map (" in html
    assert "Rumah sakit" in html


def test_static_map_leaves_out_private_layers(client, tangerang):
    layer = Layer.objects.get(city=tangerang, slug="pasar")
    layer.visibility = Visibility.INTERNAL
    layer.save()
    html = client.get("/kota-tangerang/map.html").content.decode()
    assert "Pasar &amp; pusat belanja" not in html
    assert "Pasar & pusat belanja" not in html


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_static_map_draws_offline_with_escaped_popups(
    page, live_server, tangerang, tmp_path, external_requests, console_errors
):
    layer = Layer.objects.get(city=tangerang, slug="rumah-sakit")
    Feature.objects.create(
        city=tangerang,
        layer=layer,
        geom=Point(106.70, -6.23, srid=4326),
        properties={"name": HOSTILE},
    )
    page.goto(f"{live_server.url}/kota-tangerang/")
    with page.expect_download() as download:
        page.click("#share-html")
    path = tmp_path / "map.html"
    download.value.save_as(path)
    external_requests.clear()
    page.goto(path.as_uri())
    page.wait_for_selector("path.leaflet-interactive")
    assert page.locator("path.leaflet-interactive").count() >= 13 + 350
    assert (
        "© OpenStreetMap contributors"
        in page.locator(".leaflet-control-attribution").inner_text()
    )
    # Bring the hostile place into view and click it where it is drawn.
    rect = page.evaluate(
        "(() => { const map = Object.keys(window).filter(k => k.startsWith('map_'))"
        ".map(k => window[k])[0]; map.setView([-6.23, 106.70], 18, {animate: false});"
        " for (const k of Object.keys(window)) { const g = window[k];"
        " if (!k.startsWith('geo_json_') || !g.eachLayer) continue; let hit = null;"
        " g.eachLayer(l => { if (String(l.feature.properties.name).includes('onerror'))"
        " hit = l.getElement().getBoundingClientRect(); });"
        " if (hit) return [hit.x + hit.width / 2, hit.y + hit.height / 2]; } })()"
    )
    page.mouse.click(rect[0], rect[1])
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    assert HOSTILE in popup.inner_text()
    assert popup.locator("img").count() == 0
    # folium's own popups and tooltips write values as HTML: none are used.
    html = path.read_text()
    assert "div.innerHTML=table" not in html
    assert page.evaluate("window.__pwned") is None
    assert [u for u in external_requests if not u.startswith("file:")] == []
    assert console_errors == []
