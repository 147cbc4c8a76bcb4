"""The planner's analysis panel on the city map, in real Chromium."""

import pytest

from tests.browser import wait_js

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

READY = (
    "() => window.petakotaLayers && Object.values(window.petakotaLayers)"
    ".every(l => l.ready) && window.petakotaAnalysis"
)


@pytest.fixture
def map_page(page, live_server, tangerang):
    page.goto(f"{live_server.url}/kota-tangerang/")
    wait_js(page, READY)
    return page


def _wait_done(page, n: int) -> None:
    wait_js(page, f"window.petakotaAnalysis.done >= {n}")


def test_density_per_kecamatan_draws_a_choropleth_and_a_ranked_chart(
    map_page, external_requests, console_errors
):
    page = map_page
    page.select_option("#analysis-layer", "sekolah")
    page.select_option("#analysis-tool", "kecamatan")
    page.click("#analysis-run")
    _wait_done(page, 1)
    areas = page.locator(".leaflet-analysis-pane path.leaflet-interactive")
    assert areas.count() == 13
    bars = page.locator("#analysis-result ol.bars li")
    assert bars.count() == 13
    counts = [
        int(v.replace(".", "").replace(",", ""))
        for v in bars.locator(".bar-value").all_inner_texts()
    ]
    assert counts == sorted(counts, reverse=True)
    # 105 schools in the layer, a few outside the city (in the 2 km buffer).
    assert 0 < sum(counts) <= 105
    assert 2 <= page.locator(".choropleth-legend .legend-row").count() <= 5
    page.click("#analysis-clear")
    assert page.locator(".leaflet-analysis-pane path").count() == 0
    assert external_requests == []
    assert console_errors == []


def test_nearest_places_to_a_clicked_point(map_page, console_errors):
    page = map_page
    page.select_option("#analysis-layer", "rumah-sakit")
    page.select_option("#analysis-tool", "nearest")
    page.fill("#analysis-n", "3")
    page.click("#analysis-run")
    assert page.locator("#analysis-hint").is_visible()
    box = page.locator("#map").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    _wait_done(page, 1)
    items = page.locator("#analysis-result ol.places li")
    assert items.count() == 3
    distances = [
        int(t.split()[-2].replace(".", "").replace(",", ""))
        for t in items.all_inner_texts()
    ]
    assert distances == sorted(distances)
    assert console_errors == []


def test_within_a_distance_of_a_clicked_point(map_page, console_errors):
    page = map_page
    page.select_option("#analysis-layer", "kantor-pemerintahan")
    page.select_option("#analysis-tool", "near")
    page.fill("#analysis-radius", "2000")
    page.click("#analysis-run")
    box = page.locator("#map").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    _wait_done(page, 1)
    items = page.locator("#analysis-result ol.places li")
    for text in items.all_inner_texts():
        assert int(text.split()[-2].replace(".", "").replace(",", "")) <= 2000
    assert console_errors == []
