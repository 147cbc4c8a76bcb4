"""One planner's walk through the city map in real Chromium: search a kelurahan,
filter a layer, open its table and export the selection, draw a polygon and count
hospitals inside, run hexagon bins and a coverage gap, reopen the copied URL in a
new browser context, and print the layout to PDF and PNG."""

from __future__ import annotations

import io
import json

import pytest
from django.contrib.gis.geos import GEOSGeometry
from PIL import Image
from pypdf import PdfReader

from layers.models import Feature
from tests.browser import wait_js
from tests.planner.test_analysis import point_layer, random_points

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

READY = "() => window.petakotaPlanner && window.petakotaPlanner.ready"


def idle(page, done: int) -> None:
    try:
        wait_js(
            page,
            f"() => window.petakotaPlanner.done >= {done} "
            "&& !window.petakotaPlanner.busy",
        )
    except AssertionError:
        statuses = page.evaluate(
            "() => Array.from(document.querySelectorAll('#planner [aria-live]'))"
            ".map(n => n.id + ': ' + n.textContent)"
        )
        raise AssertionError(f"planner never idle: {statuses}") from None


def test_a_planner_walks_through_the_map(
    page, browser, live_server, tangerang, external_requests, console_errors
):
    point_layer(tangerang, random_points(tangerang, 40, seed=5), slug="puskesmas")
    page.set_viewport_size({"width": 1400, "height": 900})
    page.goto(f"{live_server.url}/kota-tangerang/")
    wait_js(page, READY)
    planner = "window.petakotaPlanner"

    # Find: a kelurahan by name; the map zooms to it.
    page.fill("#search-q", "Sukarasa")
    page.press("#search-q", "Enter")
    page.locator("#search-results button", has_text="Sukarasa").first.click()
    assert page.evaluate(f"{planner}.lastSearch.code") == "36.71.01.1001"

    # Filter schools by name; the map and the count follow.
    page.click("#filter-tool summary")
    page.select_option("#filter-layer", "sekolah")
    page.select_option(".filter-attr", "name")
    page.select_option(".filter-op", "LIKE")
    page.fill(".filter-value", "SMK")
    done = page.evaluate(f"{planner}.done")
    page.click("#filter-apply")
    idle(page, done + 1)
    expected = Feature.objects.filter(
        layer__city=tangerang, layer__slug="sekolah", properties__name__icontains="SMK"
    ).count()
    assert expected > 0
    shown = page.evaluate("() => window.petakotaLayers['sekolah'].getLayers().length")
    assert shown == expected
    assert page.inner_text('[data-filter-count="sekolah"]').startswith(str(expected))

    # While the analysis panel waits for a point, a click on a marker is that point,
    # not a popup.
    page.select_option("#analysis-layer", "rumah-sakit")
    page.select_option("#analysis-tool", "nearest")
    page.click("#analysis-run")
    point = page.evaluate(
        "() => { const m = window.petakotaMap;"
        " const ll = window.petakotaLayers['sekolah'].getLayers()[0].getLatLng();"
        " m.setView(ll, 16, {animate: false});"
        " const p = m.latLngToContainerPoint(ll); return [p.x, p.y]; }"
    )
    box = page.locator("#map").bounding_box()
    page.mouse.click(box["x"] + point[0], box["y"] + point[1])
    wait_js(page, "() => window.petakotaAnalysis.done >= 1")
    assert page.locator(".leaflet-popup").count() == 0
    assert page.locator("#analysis-result ol.places li").count() == 5

    # The attribute table of the filtered layer, and its export.
    page.click("#table-tool summary")
    page.select_option("#table-layer", "sekolah")
    page.click("#table-open")
    wait_js(page, "() => !document.getElementById('table-drawer').hidden")
    assert page.locator("#table-drawer tbody tr").count() == min(expected, 50)
    page.locator("#table-drawer tbody tr").first.click()
    assert page.evaluate(f"{planner}.zoomedTo")
    href = page.get_attribute("#table-drawer a[data-export=csv]", "href")
    assert "filter=" in href
    csv = page.request.get(live_server.url + href)
    assert csv.status == 200
    assert len(csv.text().strip().splitlines()) == expected + 1

    # Draw a polygon over the middle of the map and count hospitals inside.
    page.click("#table-close")
    page.evaluate("window.petakotaMap.fitBounds(window.petakotaMap.getBounds())")
    page.evaluate(
        "window.petakotaMap.fitBounds("
        "JSON.parse(document.getElementById('map-config').textContent).city.bounds)"
    )
    box = page.locator("#map").bounding_box()
    page.click(".leaflet-draw-draw-polygon")
    corners = [(0.2, 0.2), (0.8, 0.25), (0.75, 0.8), (0.25, 0.75)]
    vertices = "document.querySelectorAll('.leaflet-editing-icon').length"
    for n, (fx, fy) in enumerate([*corners, corners[0]]):
        # Leaflet.draw takes a new vertex once the previous one has settled.
        page.mouse.click(box["x"] + box["width"] * fx, box["y"] + box["height"] * fy)
        if n < len(corners):
            wait_js(page, f"() => {vertices} >= {n + 1}")
            page.wait_for_timeout(120)
    wait_js(page, f"() => {planner}.drawn")
    drawn = GEOSGeometry(json.dumps(page.evaluate(f"{planner}.drawn")), srid=4326)
    page.click("#draw-tool summary")
    page.check('input[data-select-layer="rumah-sakit"]')
    done = page.evaluate(f"{planner}.done")
    page.click("#select-run")
    idle(page, done + 2)
    inside = Feature.objects.filter(
        layer__city=tangerang, layer__slug="rumah-sakit", geom__intersects=drawn
    ).count()
    assert inside > 0
    assert f": {inside}" in page.inner_text("#select-status")

    # Hexagon bins and a coverage gap (puskesmas, 1 km) as result layers.
    page.click("#analyse-tool summary")
    page.select_option("#an-kind", "hexbins")
    page.select_option("#an-layer", "puskesmas")
    page.fill("#an-size", "800")
    done = page.evaluate(f"{planner}.done")
    page.click("#an-run")
    idle(page, done + 2)
    page.select_option("#an-kind", "coverage")
    page.select_option("#an-layer", "puskesmas")
    page.fill("#an-distance", "1000")
    done = page.evaluate(f"{planner}.done")
    page.click("#an-run")
    idle(page, done + 2)
    assert page.locator("#result-list .result").count() == 3
    assert "%" in page.inner_text("#result-list .result >> nth=2")
    assert page.locator(".leaflet-results-pane path").count() > 10

    # The copied link opens the same map in a new browser context.
    page.click("#share-tool summary")
    page.fill("#map-title", "Puskesmas coverage review")
    page.click("#copy-link")
    url = page.evaluate(f"{planner}.copied")
    state = page.evaluate(
        "() => ({c: window.petakotaMap.getCenter(), z: window.petakotaMap.getZoom()})"
    )
    other = browser.new_context(viewport={"width": 1400, "height": 900})
    second = other.new_page()
    second.goto(url)
    wait_js(second, READY)
    assert second.locator("#result-list .result").count() == 3
    assert (
        second.evaluate("() => window.petakotaLayers['sekolah'].getLayers().length")
        == expected
    )
    got = second.evaluate(
        "() => ({c: window.petakotaMap.getCenter(), z: window.petakotaMap.getZoom()})"
    )
    assert got["z"] == state["z"]
    assert abs(got["c"]["lat"] - state["c"]["lat"]) < 1e-3
    assert second.input_value("#map-title") == "Puskesmas coverage review"

    # Print: the layout carries the title and the legend into the PDF.
    second.click("#share-tool summary")
    second.click("#print-open")
    wait_js(second, "() => window.petakotaPlanner.printing")
    legend = second.inner_text(".print-legend h2")
    pdf = second.pdf(format="A4", landscape=True, print_background=True)
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "Puskesmas coverage review" in text
    assert legend in text
    assert "Puskesmas" in text

    # The same layout as a PNG, drawn in the page (no server rendering).
    with second.expect_download() as download:
        second.click("#print-png")
    assert download.value.suggested_filename == "puskesmas-coverage-review.png"
    png = Image.open(download.value.path())
    png.load()
    assert png.format == "PNG"
    assert png.width >= 1000
    assert png.height >= 600
    pixels = png.convert("RGB").resize((280, 180))
    colours = pixels.getcolors(maxcolors=280 * 180)
    assert colours is not None
    assert len(colours) > 20
    white = sum(count for count, rgb in colours if rgb == (255, 255, 255))
    assert white < 0.95 * 280 * 180
    assert second.evaluate("window.petakotaPlanner.pngs") == 1
    other.close()
    assert external_requests == []
    assert console_errors == []
