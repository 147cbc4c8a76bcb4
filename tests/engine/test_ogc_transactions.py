"""OGC API Features Part 4 over real HTTP (live server, requests): create, replace,
update (merge patch), delete with ETags and If-Match (428/412), who may edit, bad
input refused with nothing changed, and every edit visible on the next read."""

from __future__ import annotations

import json
import uuid

import pytest
import requests
from rest_framework.authtoken.models import Token

from layers.models import Feature, FeatureEvent, Layer
from layers.models.layer import GeometryType
from tenancy.models import Role
from tests.factories import (
    AgencyFactory,
    CityFactory,
    FeatureFactory,
    LayerFactory,
    MembershipFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)

SCHEMA = [
    {"name": "nama", "type": "text", "required": True},
    {"name": "jumlah", "type": "integer"},
    {"name": "rahasia", "type": "text", "private": True},
]
POINT = {"type": "Point", "coordinates": [120.05, -4.95]}


def _token(user) -> dict[str, str]:
    token, _ = Token.objects.get_or_create(user=user)
    return {"Authorization": f"Token {token.key}"}


@pytest.fixture
def world():
    city = CityFactory()
    agency, other_agency = AgencyFactory(city=city), AgencyFactory(city=city)
    layer = LayerFactory(
        city=city,
        agency=agency,
        slug="drainase",
        schema=SCHEMA,
        geometry_type=GeometryType.POINT,
    )
    people = {}
    for name, role, member_of in (
        ("editor", Role.AGENCY_EDITOR, agency),
        ("other_editor", Role.AGENCY_EDITOR, other_agency),
        ("field", Role.FIELD_OFFICER, agency),
        ("admin", Role.CITY_ADMIN, None),
    ):
        people[name] = MembershipFactory(city=city, agency=member_of, role=role).user
    elsewhere = CityFactory()
    people["foreign_admin"] = MembershipFactory(
        city=elsewhere, agency=None, role=Role.CITY_ADMIN
    ).user
    return city, layer, people


def _items(live_server, city, layer) -> str:
    return f"{live_server.url}/ogc/{city.slug}/collections/{layer.slug}/items"


def test_create_replace_patch_delete_with_etags(live_server, world):
    city, layer, people = world
    auth = _token(people["editor"])
    items = _items(live_server, city, layer)
    features_url = f"{live_server.url}/api/{city.slug}/layers/{layer.slug}/features"
    before = requests.get(features_url, timeout=10)
    version_before = Layer.objects.get(pk=layer.pk).data_version

    created = requests.post(
        items,
        json={
            "type": "Feature",
            "geometry": POINT,
            "properties": {"nama": "Saluran <b>1</b>", "jumlah": 3, "rahasia": "x"},
        },
        headers={**auth, "X-Change-Note": "survey"},
        timeout=10,
    )
    assert created.status_code == 201, created.text
    location = created.headers["Location"]
    assert location.startswith(items + "/")
    # Private attributes are stored but never returned.
    assert "rahasia" not in created.json()["properties"]
    got = requests.get(location, timeout=10)
    assert got.status_code == 200
    etag = got.headers["ETag"]
    assert etag == created.headers["ETag"]
    assert not etag.startswith("W/")
    assert got.json()["properties"]["nama"] == "Saluran <b>1</b>"
    # Stored as text; the HTML pages escape it.
    html = requests.get(location, params={"f": "html"}, timeout=10).text
    assert "Saluran &lt;b&gt;1&lt;/b&gt;" in html
    assert "<b>1</b>" not in html
    fid = got.json()["id"]

    # The next read of the layer shows it: new data version, new ETag, new body.
    assert Layer.objects.get(pk=layer.pk).data_version > version_before
    after = requests.get(
        features_url, headers={"If-None-Match": before.headers["ETag"]}, timeout=10
    )
    assert after.status_code == 200
    assert [f["id"] for f in after.json()["features"]] == [fid]

    replacement = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [120.06, -4.94]},
        "properties": {"nama": "Saluran 1", "jumlah": 4},
    }
    missing = requests.put(location, json=replacement, headers=auth, timeout=10)
    assert missing.status_code == 428
    stale = requests.put(
        location,
        json=replacement,
        headers={**auth, "If-Match": '"1-0000"'},
        timeout=10,
    )
    assert stale.status_code == 412
    assert Feature.objects.get(pk=fid).properties["jumlah"] == 3

    replaced = requests.put(
        location, json=replacement, headers={**auth, "If-Match": etag}, timeout=10
    )
    assert replaced.status_code == 200, replaced.text
    assert replaced.headers["ETag"] != etag
    # The old ETag is stale now.
    again = requests.put(
        location, json=replacement, headers={**auth, "If-Match": etag}, timeout=10
    )
    assert again.status_code == 412

    patched = requests.patch(
        location,
        json={"properties": {"jumlah": None, "nama": "Saluran Baru"}},
        headers={
            **auth,
            "If-Match": replaced.headers["ETag"],
            "Content-Type": "application/merge-patch+json",
        },
        timeout=10,
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["properties"] == {"nama": "Saluran Baru"}
    assert patched.json()["geometry"]["coordinates"] == [120.06, -4.94]
    # The replace kept no private value; a merge patch keeps what it does not name.
    assert Feature.objects.get(pk=fid).properties == {"nama": "Saluran Baru"}

    no_match = requests.delete(location, headers=auth, timeout=10)
    assert no_match.status_code == 428
    deleted = requests.delete(
        location, headers={**auth, "If-Match": patched.headers["ETag"]}, timeout=10
    )
    assert deleted.status_code == 204
    assert requests.get(location, timeout=10).status_code == 404
    labels = list(
        FeatureEvent.objects.filter(pgh_obj_id=fid)
        .exclude(pgh_label="before")
        .order_by("pgh_id")
        .values_list("pgh_label", "pgh_context__metadata__user")
    )
    editor = people["editor"].pk
    assert labels == [
        ("insert", editor),
        ("update", editor),
        ("update", editor),
        ("delete", editor),
    ]
    first = FeatureEvent.objects.filter(pgh_obj_id=fid).order_by("pgh_id").first()
    assert first.pgh_context.metadata["note"] == "survey"


def test_who_may_edit(live_server, world):
    city, layer, people = world
    items = _items(live_server, city, layer)
    body = {"type": "Feature", "geometry": POINT, "properties": {"nama": "A"}}
    expected = {
        None: 401,
        "other_editor": 403,
        "field": 201,  # the owner agency's field officers add features
        "foreign_admin": 403,
        "admin": 201,
        "editor": 201,
    }
    for who, status in expected.items():
        headers = _token(people[who]) if who else {}
        response = requests.post(items, json=body, headers=headers, timeout=10)
        assert response.status_code == status, (who, response.text)
    assert Feature.objects.filter(layer=layer).count() == 3
    # Another agency's layer it may not see is a 404 (nothing told), and another
    # layer's feature id is not in this collection.
    hidden = LayerFactory(city=city, slug="rahasia", visibility="agency")
    hidden_items = _items(live_server, city, hidden)
    response = requests.post(
        hidden_items, json=body, headers=_token(people["other_editor"]), timeout=10
    )
    assert response.status_code == 404
    stranger = FeatureFactory(layer=LayerFactory(city=city, schema=SCHEMA))
    response = requests.delete(
        f"{items}/{stranger.pk}",
        headers={**_token(people["admin"]), "If-Match": "*"},
        timeout=10,
    )
    assert response.status_code == 404
    assert Feature.objects.filter(pk=stranger.pk).exists()
    # Conformance classes of Part 4 are advertised.
    conforms = requests.get(
        f"{live_server.url}/ogc/{city.slug}/conformance", timeout=10
    ).json()["conformsTo"]
    part4 = "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/"
    assert part4 + "create-replace-delete" in conforms
    assert part4 + "update" in conforms
    # Other collections (boundaries) stay read-only.
    boundaries = f"{live_server.url}/ogc/{city.slug}/collections/boundaries-kecamatan"
    response = requests.post(
        f"{boundaries}/items", json=body, headers=_token(people["admin"]), timeout=10
    )
    assert response.status_code == 404


def test_bad_input_is_refused_and_changes_nothing(live_server, world):
    city, layer, people = world
    items = _items(live_server, city, layer)
    auth = _token(people["editor"])
    cases = [
        (
            {
                "type": "Feature",
                "geometry": {
                    "type": "LineString",
                    "coordinates": [[120.05, -4.95], [120.06, -4.94]],
                },
                "properties": {"nama": "A"},
            },
            400,
        ),
        (
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [1e308, 0]},
                "properties": {"nama": "A"},
            },
            400,
        ),
        (
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [10.0, 10.0]},
                "properties": {"nama": "A"},
            },
            400,
        ),
        (
            {"type": "Feature", "geometry": POINT, "properties": {"nama": "A", "x": 1}},
            400,
        ),
        (
            {
                "type": "Feature",
                "geometry": POINT,
                "properties": {"nama": "A", "jumlah": "tiga"},
            },
            400,
        ),
        ({"type": "Feature", "geometry": POINT, "properties": {"jumlah": 1}}, 400),
        (
            {"type": "Feature", "geometry": POINT, "properties": {"nama": "A\u0000"}},
            400,
        ),
        ({"type": "Feature", "properties": {"nama": "A"}}, 400),
        ([1, 2], 400),
    ]
    for body, status in cases:
        response = requests.post(items, json=body, headers=auth, timeout=10)
        assert response.status_code == status, (body, response.text)
    response = requests.post(
        items,
        data="not json",
        headers={**auth, "Content-Type": "application/json"},
        timeout=10,
    )
    assert response.status_code == 400
    response = requests.post(
        items, data="nama=A", headers={**auth, "Content-Type": "text/plain"}, timeout=10
    )
    assert response.status_code == 415
    assert not Feature.objects.filter(layer=layer).exists()
    assert not FeatureEvent.objects.filter(layer_id=layer.pk).exists()


def test_session_writes_need_the_csrf_token(live_server, world, client):
    city, layer, people = world
    client.force_login(people["editor"])
    secret = "a" * 32
    cookie = {
        "Cookie": f"sessionid={client.cookies['sessionid'].value}; csrftoken={secret}"
    }
    body = {"type": "Feature", "geometry": POINT, "properties": {"nama": "A"}}
    items = _items(live_server, city, layer)
    refused = requests.post(items, json=body, headers=cookie, timeout=10)
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["description"]
    response = requests.post(
        items, json=body, headers={**cookie, "X-CSRFToken": secret}, timeout=10
    )
    assert response.status_code == 201
    # A browser sending GeoJSON's own media type (DRF reads the body while it checks
    # the CSRF token, and used to know only application/json: 415).
    geojson = requests.post(
        items,
        data=json.dumps(body),
        headers={
            **cookie,
            "X-CSRFToken": secret,
            "Content-Type": "application/geo+json",
        },
        timeout=10,
    )
    assert geojson.status_code == 201, geojson.text


def test_a_client_id_creates_one_feature_however_often_sent(live_server, world):
    city, layer, people = world
    items = _items(live_server, city, layer)
    auth = {**_token(people["editor"]), "X-Client-Id": str(uuid.uuid4())}
    body = {"type": "Feature", "geometry": POINT, "properties": {"nama": "A"}}
    first = requests.post(items, json=body, headers=auth, timeout=10)
    again = requests.post(items, json=body, headers=auth, timeout=10)
    assert first.status_code == 201
    assert again.status_code == 200
    assert again.headers["Location"] == first.headers["Location"]
    assert Feature.objects.filter(layer=layer).count() == 1
    bad = requests.post(
        items, json=body, headers={**auth, "X-Client-Id": "x"}, timeout=10
    )
    assert bad.status_code == 400
