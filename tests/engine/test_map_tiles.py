"""The map page draws large layers from vector tiles and small ones from GeoJSON."""

from __future__ import annotations

import pytest

from layers import selectors
from tests.browser import wait_js

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_large_layers_use_vector_tiles(
    live_server, page, tangerang, monkeypatch, external_requests, console_errors
):
    # sekolah (49), kawasan-industri (54) and kantor-pemerintahan (60) count as
    # large, rumah-sakit and pasar (21 each) small.
    monkeypatch.setattr(selectors, "VECTOR_TILES_ABOVE", 40)
    tile_responses: list[int] = []
    page.on(
        "response",
        lambda r: tile_responses.append(r.status) if "/tiles/" in r.url else None,
    )
    page.goto(f"{live_server.url}/kota-tangerang/")
    wait_js(page, "window.petakotaLayers && window.petakotaLayers.sekolah")
    modes = page.evaluate(
        "Object.fromEntries(Object.entries(window.petakotaLayers)"
        ".map(([k, v]) => [k, v.renderMode]))"
    )
    assert modes["sekolah"] == "vector-tiles"
    assert modes["rumah-sakit"] == "geojson"
    wait_js(page, "document.querySelectorAll('canvas.leaflet-tile').length")
    page.wait_for_timeout(500)
    assert tile_responses
    assert set(tile_responses) == {200}
    # Toggling the legend box removes and re-adds the tile layer.
    box = page.locator('input[data-layer="sekolah"]')
    assert box.get_attribute("data-render") == "vector-tiles"
    box.uncheck()
    assert not page.evaluate(
        "window.petakotaMap.hasLayer(window.petakotaLayers.sekolah)"
    )
    box.check()
    assert page.evaluate("window.petakotaMap.hasLayer(window.petakotaLayers.sekolah)")
    assert external_requests == []
    assert console_errors == []
