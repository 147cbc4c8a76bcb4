"""A source may be SQL over joined tables (a relation written in code): reports
joined to their categories, exposing the category's name, served through OGC API
Features items, vector tiles and the spatial queries — with only the columns the
relation selects (no contact detail, no exact point)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator

import mapbox_vector_tile
import pytest
from django.test import Client

from layers.engine import registry
from layers.engine.sources import LayerSource, Queryable
from layers.models import Dimension
from reports.models import HIDDEN_STATUSES, Category, Publicity, Report
from tests.reports.conftest import INSIDE, submit
from tests.reports.test_privacy import CONTACT, body
from tests.reports.test_privacy_engine import tile_of

pytestmark = pytest.mark.django_db

KEY = "laporan-per-kategori"
CITY = "kota-tangerang"


def _col(model: type, name: str) -> str:
    return model._meta.get_field(name).column


def joined_source(city_id: int) -> LayerSource:
    report, category = Report._meta.db_table, Category._meta.db_table
    hidden = ", ".join(f"'{status}'" for status in HIDDEN_STATUSES)
    # Written in code from _meta names: a join, public columns only.
    relation = (
        f"(SELECT r.id, r.{_col(Report, 'city')} AS city_id, "
        f"r.{_col(Report, 'public_geom')} AS geom, r.ticket, r.created_at, "
        "c.code AS category_code, c.name AS category_name "
        f"FROM {report} r JOIN {category} c "
        f"ON c.id = r.{_col(Report, 'category')} "
        f"WHERE c.publicity <> '{Publicity.PRIVATE.value}' "
        f"AND r.status NOT IN ({hidden}))"
    )
    return LayerSource(
        key=KEY,
        title="Laporan per kategori",
        relation=relation,
        city_id=city_id,
        dimension="governance",
        geometry_type="Point",
        properties_sql=(
            "jsonb_build_object('ticket', t.ticket, 'category_name', t.category_name)"
        ),
        queryables={
            "category_name": Queryable("t.category_name", "text", "Kategori"),
            "ticket": Queryable("t.ticket", "text", "Tiket"),
        },
        tile_properties=("ticket", "category_name"),
        datetime_sql="t.created_at",
    )


def provider(city, user, key: str | None) -> Iterable[LayerSource]:
    return [joined_source(city.pk)] if key in (None, KEY) else []


@pytest.fixture
def joined(city) -> Iterator[Report]:
    response = submit(Client(), city, **CONTACT)
    assert response.status_code == 201
    registry.register_source_provider(provider)
    try:
        yield Report.objects.select_related("category").get(
            ticket=response.json()["ticket"]
        )
    finally:
        registry.unregister_source_provider(provider)


def test_a_relation_must_be_a_name_or_a_parenthesised_select():
    with pytest.raises(ValueError, match="relation"):
        LayerSource(key="x", title="x", relation="reports_report; DROP", city_id=1)
    assert LayerSource(key="x", title="x", relation='"a b"', city_id=1)


def _json(response) -> dict:
    assert response.status_code == 200, body(response)
    return json.loads(body(response))


def test_joined_source_serves_ogc_items_with_the_joined_column(client, joined):
    name = joined.category.name
    url = f"/ogc/{CITY}/collections/{KEY}/items"
    data = _json(client.get(url, {"category_name": name, "f": "json"}))
    assert [f["properties"] for f in data["features"]] == [
        {"ticket": joined.ticket, "category_name": name}
    ]
    cql = _json(client.get(url, {"filter": f"category_name = '{name}'", "f": "json"}))
    assert [f["id"] for f in cql["features"]] == [joined.pk]
    assert (
        _json(client.get(url, {"category_name": "tidak ada", "f": "json"}))["features"]
        == []
    )
    for detail in CONTACT.values():
        assert detail not in str(data)


def test_joined_source_is_listed_in_the_catalogue(client, joined):
    catalogue = _json(client.get(f"/api/{CITY}/layers/"))["layers"]
    entry = next(e for e in catalogue if e["slug"] == KEY)
    assert entry["dimension"] == "governance"
    assert entry["feature_count"] == 1
    assert {f["name"] for f in entry["schema"]} == {"category_name", "ticket"}
    # One catalogue, grouped by smart-city dimension: the reports are governance
    # like the joined source, not a group of "everything that is not a layer".
    reports = next(e for e in catalogue if e["slug"] == "laporan")
    assert reports["dimension"] == "governance"
    order = list(Dimension.values)
    ranks = [order.index(e["dimension"]) for e in catalogue]
    assert ranks == sorted(ranks)
    assert {
        e["dimension_label"] for e in catalogue if e["dimension"] == "governance"
    } == {str(Dimension.GOVERNANCE.label)}


def test_joined_source_serves_vector_tiles(client, joined):
    lon, lat = joined.public_geom.coords
    x, y = tile_of(lon, lat, 15)
    response = client.get(f"/tiles/{CITY}/{KEY}/15/{x}/{y}.mvt")
    assert response.status_code == 200
    tile = mapbox_vector_tile.decode(response.content)
    features = tile[KEY]["features"]
    assert [f["properties"] for f in features] == [
        {"ticket": joined.ticket, "category_name": joined.category.name}
    ]


def test_joined_source_answers_spatial_queries(client, joined):
    base = f"/api/{CITY}/layers/{KEY}"
    lon, lat = INSIDE
    nearest = _json(client.get(f"{base}/nearest", {"lon": lon, "lat": lat, "n": 1}))
    near = _json(client.get(f"{base}/near", {"lon": lon, "lat": lat, "radius_m": 5000}))
    for found in (nearest, near):
        assert [f["properties"]["category_name"] for f in found["features"]] == [
            joined.category.name
        ]
        assert "distance_m" in found["features"][0]["properties"]
