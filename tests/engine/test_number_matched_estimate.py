"""Above 10,000 matches an items page does not count: OGC API Features requires a
present numberMatched to be the true count (/req/core/fc-numberMatched), so the page
omits it and says `numberMatchedEstimate` instead, taken from the bbox's share of the
layer's cached extent statistics."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection

from layers.engine.registry import source_for
from layers.engine.sql import Query
from layers.engine.stats import bbox_share_estimate
from layers.models import Layer
from tests.http import body_json

BASE = "/ogc/kota-tangerang"
SQUARE = (106.60, -6.25, 106.70, -6.15)
POINTS = 24_000


@pytest.fixture
def big_layer(tangerang) -> Layer:
    layer = Layer.objects.create(
        city=tangerang,
        slug="titik-banyak",
        title="Titik banyak",
        dimension="living",
        geometry_type="Point",
        schema=[{"name": "name", "type": "text", "label": "Name"}],
    )
    x0, y0, x1, y1 = SQUARE
    with connection.cursor() as cursor:
        # Evenly spread on a grid, so the true count of any bbox is known.
        cursor.execute(
            "INSERT INTO layers_feature (city_id, layer_id, geom, properties, "
            "created_at, updated_at, version) SELECT %s, %s, "
            "ST_SetSRID(ST_MakePoint(%s + (i %% 160 + 0.5) * %s, "
            "%s + (i / 160 + 0.5) * %s), 4326), "
            "jsonb_build_object('name', 'p' || i), now(), now(), 1 "
            "FROM generate_series(0, %s - 1) i",
            [
                tangerang.pk,
                layer.pk,
                x0,
                (x1 - x0) / 160,
                y0,
                (y1 - y0) / (POINTS / 160),
                POINTS,
            ],
        )
        cursor.execute("ANALYZE layers_feature")
    layer.refresh_from_db()
    return layer


def _left(share: float) -> str:
    x0, y0, x1, y1 = SQUARE
    return f"{x0},{y0},{x0 + (x1 - x0) * share},{y1}"


def test_big_match_omits_number_matched_and_gives_the_estimate(client, big_layer):
    # The catalog computes (and caches) the layer's extent and count.
    assert client.get(f"{BASE}/collections/{big_layer.slug}").status_code == 200
    doc = body_json(
        client.get(f"{BASE}/collections/{big_layer.slug}/items?bbox={_left(0.75)}")
    )
    assert "numberMatched" not in doc
    assert "numberMatchedIsEstimate" not in doc
    true_count = POINTS * 3 // 4
    assert abs(doc["numberMatchedEstimate"] - true_count) <= 0.02 * true_count
    assert doc["numberReturned"] == len(doc["features"]) > 0


def test_small_match_keeps_the_exact_number_matched(client, big_layer):
    doc = body_json(
        client.get(f"{BASE}/collections/{big_layer.slug}/items?bbox={_left(0.25)}")
    )
    assert doc["numberMatched"] == POINTS // 4
    assert "numberMatchedEstimate" not in doc


def test_html_page_says_the_number_is_estimated(client, big_layer):
    client.get(f"{BASE}/collections/{big_layer.slug}")
    page = client.get(
        f"{BASE}/collections/{big_layer.slug}/items?bbox={_left(0.75)}&f=html",
        HTTP_ACCEPT_LANGUAGE="en",
    ).content.decode()
    assert "of about" in page


def test_estimate_is_the_bbox_share_of_the_layer_extent(client, big_layer):
    source = source_for(big_layer.city, AnonymousUser(), big_layer.slug)
    query = Query(bbox=tuple(float(v) for v in _left(0.5).split(",")))
    # Nothing cached yet: no estimate rather than a scan.
    assert bbox_share_estimate(source, query) is None
    client.get(f"{BASE}/collections/{big_layer.slug}")
    estimate = bbox_share_estimate(source, query)
    assert estimate is not None
    assert abs(estimate - POINTS // 2) <= 0.02 * POINTS // 2
    # Filters other than the bbox make the even-spread assumption meaningless.
    filtered = Query(bbox=query.bbox, filters=[("true", [])])
    assert bbox_share_estimate(source, filtered) is None


def test_polygon_layers_keep_the_planners_estimate(tangerang):
    """A polygon reaching into the bbox from outside it counts too: an even-spread
    share of the extent undercounts them, the planner's histogram does not."""
    layer = Layer.objects.create(
        city=tangerang,
        slug="persil-banyak",
        title="Persil banyak",
        dimension="living",
        geometry_type="Polygon",
        schema=[],
    )
    source = source_for(tangerang, AnonymousUser(), layer.slug)
    assert bbox_share_estimate(source, Query(bbox=SQUARE)) is None
