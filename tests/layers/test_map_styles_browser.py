"""Vector-tile layers on the city map are drawn by their geometry type: VectorGrid
hands a style function only (properties, zoom), so points must not fall back to the
polygon style (pale, 10 px circles with no cluster sizes)."""

from __future__ import annotations

import pytest

from layers import selectors
from tests.browser import wait_js

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_vector_tile_points_get_point_style(live_server, page, tangerang, monkeypatch):
    monkeypatch.setattr(selectors, "VECTOR_TILES_ABOVE", 40)
    page.goto(f"{live_server.url}/{tangerang.slug}/")
    wait_js(page, "window.petakotaLayers && window.petakotaLayers.sekolah")
    style = page.evaluate(
        "(() => { const s = window.petakotaLayers.sekolah.options"
        ".vectorTileLayerStyles.sekolah;"
        " return [s({}, 12), s({point_count: 50}, 12)]; })()"
    )
    single, cluster = style
    assert single["radius"] == 5
    assert single["fillOpacity"] == 0.9
    assert cluster["radius"] > single["radius"]
