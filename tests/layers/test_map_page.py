"""The city map in real Chromium: layers, toggles, popups, language, offline."""

import pytest
from django.contrib.gis.geos import Point

from layers.models import Feature, Layer
from tests.browser import wait_js

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HOSTILE = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>'
WAIT_LAYERS = (
    "() => window.petakotaLayers && Object.values(window.petakotaLayers)"
    ".every(l => l.ready)"
)


@pytest.fixture
def map_page(page, live_server, tangerang, external_requests, console_errors):
    layer = Layer.objects.get(city=tangerang, slug="rumah-sakit")
    Feature.objects.create(
        city=tangerang,
        layer=layer,
        geom=Point(106.70, -6.23, srid=4326),
        properties={"name": HOSTILE, "category": "hospital"},
    )
    page.goto(f"{live_server.url}/kota-tangerang/")
    wait_js(page, WAIT_LAYERS)
    page.wait_for_selector("#map path.leaflet-interactive")
    return page


def _markers(page) -> int:
    return page.locator("#map path.leaflet-interactive").count()


def test_map_toggles_layers_and_shows_escaped_popups(
    map_page, external_requests, console_errors
):
    page = map_page
    assert "Kota Tangerang" in page.title()
    before = _markers(page)
    # 13 kecamatan + 104 kelurahan + 205 places (load_demo keeps those of the city)
    # + the hostile one
    assert before >= 13 + 104 + 205

    page.uncheck("input[data-layer='rumah-sakit']")
    assert _markers(page) == before - 22  # 21 hospitals + the hostile one
    page.check("input[data-layer='rumah-sakit']")
    assert _markers(page) == before

    page.uncheck("input[data-boundary='kelurahan']")
    assert _markers(page) == before - 104
    page.check("input[data-boundary='kelurahan']")

    # Click the hostile feature where it is drawn on screen, like a person would.
    page.evaluate("window.petakotaMap.setView([-6.23, 106.70], 18, {animate: false})")
    page.wait_for_timeout(300)
    point = page.evaluate(
        "(() => { const p = window.petakotaMap.latLngToContainerPoint([-6.23, 106.70]);"
        " const r = document.getElementById('map').getBoundingClientRect();"
        " return [r.left + p.x, r.top + p.y]; })()"
    )
    page.mouse.click(point[0], point[1])
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    assert HOSTILE in popup.inner_text()
    assert popup.locator("img, script").count() == 0
    assert page.evaluate("window.__pwned") is None
    assert "© OpenStreetMap contributors" in popup.inner_text()

    attribution = page.locator(".leaflet-control-attribution").inner_text()
    assert "© OpenStreetMap contributors" in attribution

    assert external_requests == []
    assert console_errors == []


def test_boundary_names_show_on_hover(map_page):
    page = map_page
    page.uncheck("input[data-boundary='kelurahan']")
    for slug in (
        "rumah-sakit",
        "sekolah",
        "pasar",
        "kawasan-industri",
        "kantor-pemerintahan",
    ):
        page.uncheck(f"input[data-layer='{slug}']")
    box = page.locator("#map").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.move(box["x"] + box["width"] / 2 + 5, box["y"] + box["height"] / 2 + 5)
    tooltip = page.locator(".leaflet-tooltip")
    tooltip.wait_for()
    assert tooltip.inner_text().strip() != ""


def test_language_switch(map_page, console_errors):
    page = map_page
    page.click("button[data-lang='en']")
    wait_js(page, WAIT_LAYERS)
    assert page.locator("#panel h2").first.inner_text() == "Layers"
    assert page.locator("html").get_attribute("lang") == "en"
    page.click("button[data-lang='id']")
    wait_js(page, WAIT_LAYERS)
    assert page.locator("#panel h2").first.inner_text() == "Lapisan"
    assert page.locator("html").get_attribute("lang") == "id"
    assert "batas wilayah" in page.locator("#legend").inner_text().lower()
    assert console_errors == []


def test_phone_sized_screen(page, live_server, tangerang, external_requests):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/kota-tangerang/")
    wait_js(page, WAIT_LAYERS)
    toggle = page.locator("#panel-toggle")
    assert toggle.is_visible()
    assert toggle.get_attribute("aria-expanded") == "false"
    map_box = page.locator("#map").bounding_box()
    assert map_box["width"] >= 380
    toggle.click()
    page.wait_for_timeout(300)
    assert page.locator("input[data-layer='pasar']").is_visible()
    # The city's services are one tap away on a phone too (the header's menu).
    page.locator("#city-services summary").click()
    services = page.locator("#city-services a[data-service]")
    assert services.count() == 7
    page.locator("#city-services a[data-service='help']").click()
    page.wait_for_url("**/kota-tangerang/help/")
    assert external_requests == []


def test_city_list_links_to_the_map(page, live_server, tangerang, external_requests):
    page.goto(f"{live_server.url}/")
    page.click("text=Kota Tangerang")
    page.wait_for_url("**/kota-tangerang/")
    wait_js(page, WAIT_LAYERS)
    assert external_requests == []
