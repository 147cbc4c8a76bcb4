"""The history API and `?as_of=`: a feature's versions, the layer's change log and
the layer's past state, with visibility and private attributes respected."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pghistory
import pytest
from django.contrib.gis.geos import Point
from django.db import transaction

from layers import history
from layers.models import Feature
from tenancy.models import Role
from tests.factories import (
    AgencyFactory,
    CityFactory,
    FeatureFactory,
    LayerFactory,
    MembershipFactory,
    UserFactory,
)
from tests.http import body_json

pytestmark = pytest.mark.django_db(transaction=True)

SCHEMA = [
    {"name": "nama", "type": "text"},
    {"name": "nik", "type": "text", "private": True},
]


def _now() -> datetime:
    # Trigger times are transaction start times: leave a gap between steps.
    time.sleep(0.02)
    moment = datetime.now(UTC)
    time.sleep(0.02)
    return moment


def _q(moment: datetime) -> str:
    return quote(moment.isoformat())


@pytest.fixture
def story():
    """A public layer whose feature was created, renamed and moved, then deleted,
    with a second feature created later."""
    city = CityFactory()
    agency = AgencyFactory(city=city)
    layer = LayerFactory(city=city, agency=agency, slug="posyandu", schema=SCHEMA)
    editor = UserFactory()
    times = {"start": _now()}
    with pghistory.context(user=editor.pk, note="first survey"):
        feature = FeatureFactory(layer=layer, properties={"nama": "Lama", "nik": "1"})
    times["created"] = _now()
    with pghistory.context(user=editor.pk, note="renamed"):
        feature.properties = {"nama": "Baru", "nik": "2"}
        feature.geom = Point(120.06, -4.94, srid=4326)
        feature.save()
    times["renamed"] = _now()
    fid = feature.pk
    feature.delete()
    times["deleted"] = _now()
    later = FeatureFactory(layer=layer, properties={"nama": "Kemudian", "nik": "3"})
    return city, layer, fid, later, editor, times


def _features(client, city, layer, moment: datetime) -> dict:
    url = f"/api/{city.slug}/layers/{layer.slug}/features?as_of={_q(moment)}"
    response = client.get(url)
    assert response.status_code == 200, response.content
    return {f["id"]: f for f in body_json(response)["features"]}


def test_feature_versions_hide_private_attributes_and_staff_details(client, story):
    city, layer, fid, _later, editor, _times = story
    url = f"/api/{city.slug}/layers/{layer.slug}/features/{fid}/history"
    public = client.get(url)
    assert public.status_code == 200
    versions = body_json(public)["versions"]
    assert [v["change"] for v in versions] == ["insert", "update", "delete"]
    assert versions[0]["properties"] == {"nama": "Lama"}
    assert versions[1]["geometry"] == {"type": "Point", "coordinates": [120.06, -4.94]}
    assert "nik" not in str(body_json(public))
    # The public sees what and when, not who.
    assert versions[1]["user"] is None
    assert versions[1]["note"] is None
    staff = MembershipFactory(city=city, agency=layer.agency, role=Role.OPERATOR)
    client.force_login(staff.user)
    seen = body_json(client.get(url))["versions"]
    assert seen[1]["user"] == editor.username
    assert seen[1]["note"] == "renamed"
    assert "nik" not in str(seen)


def test_change_log_lists_every_change_newest_first(client, story):
    city, layer, fid, later, _editor, _times = story
    response = client.get(f"/api/{city.slug}/layers/{layer.slug}/history?limit=3")
    data = body_json(response)
    changes = [(c["change"], c.get("feature")) for c in data["changes"]]
    assert changes == [("insert", later.pk), ("delete", fid), ("update", fid)]
    assert data["next"]
    rest = body_json(client.get(data["next"]))
    assert ("insert", fid) in [(c["change"], c.get("feature")) for c in rest["changes"]]


def test_as_of_gives_the_layers_past_state(client, story):
    city, layer, fid, later, _editor, times = story
    assert _features(client, city, layer, times["start"]) == {}
    created = _features(client, city, layer, times["created"])
    assert list(created) == [fid]
    assert created[fid]["properties"] == {"nama": "Lama"}
    assert created[fid]["geometry"]["coordinates"] == [120.05, -4.95]
    renamed = _features(client, city, layer, times["renamed"])
    assert renamed[fid]["properties"] == {"nama": "Baru"}
    assert renamed[fid]["geometry"]["coordinates"] == [120.06, -4.94]
    assert _features(client, city, layer, times["deleted"]) == {}
    assert list(_features(client, city, layer, datetime.now(UTC))) == [later.pk]
    # OGC API items too, with filters working on the past state.
    items = client.get(
        f"/ogc/{city.slug}/collections/{layer.slug}/items"
        f"?as_of={_q(times['renamed'])}&nama=Baru"
    )
    assert items.status_code == 200
    assert [f["id"] for f in body_json(items)["features"]] == [fid]


def test_as_of_refuses_bad_times_and_bulk_gaps(client, story):
    city, layer, _fid, _later, _editor, times = story
    base = f"/api/{city.slug}/layers/{layer.slug}/features?as_of="
    assert client.get(base + "yesterday").status_code == 400
    future = datetime.now(UTC) + timedelta(days=1)
    assert client.get(base + _q(future)).status_code == 400
    history.record_bulk_load(layer, mode="replace", inserted=5, updated=0, deleted=2)
    response = client.get(base + _q(times["created"]))
    assert response.status_code == 409
    assert "bulk import" in body_json(response)["detail"]


def test_hidden_layers_history_is_not_found(client, story):
    city, layer, fid, _later, _editor, times = story
    layer.visibility = "agency"
    layer.save()
    for url in (
        f"/api/{city.slug}/layers/{layer.slug}/features/{fid}/history",
        f"/api/{city.slug}/layers/{layer.slug}/history",
        f"/api/{city.slug}/layers/{layer.slug}/features?as_of={_q(times['created'])}",
    ):
        assert client.get(url).status_code == 404, url
    # A feature of another layer is not this layer's.
    other = LayerFactory(city=city, schema=SCHEMA)
    stranger = FeatureFactory(layer=other)
    response = client.get(
        f"/api/{city.slug}/layers/{other.slug}/features/{fid}/history"
    )
    assert response.status_code == 404
    assert Feature.objects.filter(pk=stranger.pk).exists()


def test_change_log_pages_through_one_transactions_changes(client, story):
    """Events of one transaction share a time: paging loses and repeats none."""
    city, layer, _fid, _later, _editor, _times = story
    with transaction.atomic():
        made = [
            FeatureFactory(layer=layer, properties={"nama": str(i)}) for i in range(5)
        ]
    url = f"/api/{city.slug}/layers/{layer.slug}/history?limit=2"
    seen = []
    while url:
        page = body_json(client.get(url))
        seen += [(c["change"], c.get("feature")) for c in page["changes"]]
        url = page["next"]
    assert len(seen) == len(set(seen))
    assert {("insert", f.pk) for f in made} <= set(seen)
    assert (
        client.get(f"/api/{city.slug}/layers/{layer.slug}/history?cursor=x").status_code
        == 400
    )
