"""The shareable HTML map: self-contained, offline, escaped."""

import base64
import hashlib
import re

import pytest
from django.contrib.gis.geos import Point

import layers.static_maps
from layers.models import Feature, Layer, Visibility
from tenancy.models import Agency, Role
from tests.factories import MembershipFactory

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
    # The layer control writes layer names with innerHTML.
    hostile_title = Layer.objects.get(city=tangerang, slug="pasar")
    hostile_title.title = HOSTILE
    hostile_title.save()
    page.goto(f"{live_server.url}/kota-tangerang/")
    with page.expect_download() as download:
        page.click("#share-html")
    path = tmp_path / "map.html"
    download.value.save_as(path)
    external_requests.clear()
    page.goto(path.as_uri())
    page.wait_for_selector("path.leaflet-interactive")
    public = Feature.objects.filter(
        city=tangerang, layer__visibility=Visibility.PUBLIC
    ).count()
    assert page.locator("path.leaflet-interactive").count() >= 13 + public > 13 + 100
    control = page.locator(".leaflet-control-layers")
    assert HOSTILE in control.inner_text()
    assert control.locator("img").count() == 0
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


def _inline_hashes(html: str, tag: str) -> set[str]:
    return {
        "'sha256-"
        + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        + "'"
        for body in re.findall(rf"<{tag}>(.*?)</{tag}>", html, re.DOTALL)
    }


def test_static_map_escapes_layer_titles(client, tangerang):
    layer = Layer.objects.get(city=tangerang, slug="pasar")
    layer.title = HOSTILE
    layer.save()
    html = client.get("/kota-tangerang/map.html").content.decode()
    assert "<img" not in html
    # Escaped as HTML, then written as JSON (& as \u0026) into the script.
    assert "\\u003cimg" not in html
    assert "\\u0026lt;img src=x onerror=" in html


def test_static_map_allows_only_its_own_inline_scripts(client, tangerang):
    response = client.get("/kota-tangerang/map.html")
    html = response.content.decode()
    meta = re.search(
        r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', html
    )
    assert meta, "the downloaded file carries its own policy"
    assert html.index(meta.group(0)) < html.index("<script")
    for policy in (meta.group(1), response["Content-Security-Policy"]):
        directives = {
            name: value
            for name, _, value in (
                d.strip().partition(" ") for d in policy.split(";") if d.strip()
            )
        }
        assert directives["default-src"] == "'none'"
        assert set(directives["script-src"].split()) == _inline_hashes(html, "script")
        assert set(directives["style-src"].split()) == _inline_hashes(html, "style")
        assert "unsafe" not in policy
    header = response["Content-Security-Policy"]
    assert "sandbox allow-scripts" in header
    assert "frame-ancestors 'none'" in header


@pytest.fixture
def build_count(monkeypatch) -> list[int]:
    calls: list[int] = []
    build = layers.static_maps.static_map_html

    def counting(*args, **kwargs):
        calls.append(1)
        return build(*args, **kwargs)

    monkeypatch.setattr(layers.static_maps, "static_map_html", counting)
    return calls


def test_static_map_is_built_once_until_its_data_changes(
    client, tangerang, build_count
):
    first = client.get("/kota-tangerang/map.html").content
    assert client.get("/kota-tangerang/map.html").content == first
    assert len(build_count) == 1
    layer = Layer.objects.get(city=tangerang, slug="rumah-sakit")
    Feature.objects.create(
        city=tangerang,
        layer=layer,
        geom=Point(106.70, -6.23, srid=4326),
        properties={"name": "RS Baru Sekali"},
    )
    html = client.get("/kota-tangerang/map.html").content.decode()
    assert len(build_count) == 2
    assert "RS Baru Sekali" in html
    layer.refresh_from_db()
    layer.title = "Rumah sakit umum"
    layer.save()
    assert "Rumah sakit umum" in client.get("/kota-tangerang/map.html").content.decode()
    assert len(build_count) == 3


def test_static_map_cache_keeps_languages_and_viewers_apart(
    client, tangerang, build_count
):
    client.get("/kota-tangerang/map.html", HTTP_ACCEPT_LANGUAGE="id")
    client.get("/kota-tangerang/map.html", HTTP_ACCEPT_LANGUAGE="en")
    assert len(build_count) == 2
    dinkes = Agency.objects.get(city=tangerang, slug="dinkes")
    pasar = Layer.objects.get(city=tangerang, slug="pasar")
    pasar.visibility = Visibility.INTERNAL
    pasar.save()
    anonymous = client.get("/kota-tangerang/map.html").content.decode()
    member = MembershipFactory(city=tangerang, agency=dinkes, role=Role.AGENCY_EDITOR)
    client.force_login(member.user)
    staff = client.get("/kota-tangerang/map.html").content.decode()
    assert "pusat belanja" in staff
    assert "pusat belanja" not in anonymous
    client.logout()
    assert client.get("/kota-tangerang/map.html").content.decode() == anonymous


def test_static_map_refuses_control_characters_in_its_layer_list(client, tangerang):
    response = client.get("/kota-tangerang/map.html", {"layers": "pasar\x00"})
    assert response.status_code == 400
    assert b"layers" in response.content
    html = client.get("/kota-tangerang/map.html", {"layers": "rumah-sakit"}).content
    assert "Rumah sakit" in html.decode()
    assert "pusat belanja" not in html.decode()
