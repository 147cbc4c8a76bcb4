"""Field capture, server side: who may open the capture page and send features
through the Part 4 POST (the owner agency's field officers and editors; another
agency's officer 403, another city 404), bad geometry or attributes 400 with
nothing stored, and a retried POST with the same X-Client-Id makes one feature."""

from __future__ import annotations

import json
import uuid

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token

from layers.models import Feature, FeatureEvent
from layers.models.layer import GeometryType
from tenancy.models import Role
from tests.factories import AgencyFactory, CityFactory, LayerFactory, MembershipFactory

pytestmark = pytest.mark.django_db

SCHEMA = [
    {"name": "kondisi", "type": "text", "label": "Kondisi", "required": True},
    {"name": "lebar_cm", "type": "integer"},
    {"name": "berfungsi", "type": "boolean"},
]
POINT = {"type": "Point", "coordinates": [120.05, -4.95]}


@pytest.fixture
def world():
    city = CityFactory()
    agency, other_agency = AgencyFactory(city=city), AgencyFactory(city=city)
    layer = LayerFactory(
        city=city,
        agency=agency,
        slug="drainase-rusak",
        schema=SCHEMA,
        geometry_type=GeometryType.POINT,
        visibility="agency",
    )
    people = {
        name: MembershipFactory(city=city, agency=member_of, role=role).user
        for name, role, member_of in (
            ("field", Role.FIELD_OFFICER, agency),
            ("editor", Role.AGENCY_EDITOR, agency),
            ("other_field", Role.FIELD_OFFICER, other_agency),
            ("public_member", Role.PLANNER, None),
        )
    }
    elsewhere = CityFactory()
    people["foreign_field"] = MembershipFactory(
        city=elsewhere, agency=AgencyFactory(city=elsewhere), role=Role.FIELD_OFFICER
    ).user
    return city, elsewhere, layer, people


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _post(user, city, layer, body, client_id: str | None = None):
    token, _ = Token.objects.get_or_create(user=user)
    headers = {"HTTP_AUTHORIZATION": f"Token {token.key}"}
    if client_id:
        headers["HTTP_X_CLIENT_ID"] = client_id
    return Client().post(
        f"/ogc/{city.slug}/collections/{layer.slug}/items",
        data=json.dumps(body),
        content_type="application/geo+json",
        **headers,
    )


def test_capture_page_for_the_owner_agencys_officers_only(world):
    city, elsewhere, layer, people = world
    url = f"/{city.slug}/layers/{layer.slug}/capture/"
    page = _signed_in(people["field"]).get(url)
    assert page.status_code == 200
    config = page.context["config"]
    assert [f["name"] for f in config["fields"]] == ["kondisi", "lebar_cm", "berfungsi"]
    assert config["fields"][0]["required"] is True
    assert config["urls"]["items"] == f"/ogc/{city.slug}/collections/{layer.slug}/items"
    assert config["maxAccuracyM"] == 30
    assert _signed_in(people["editor"]).get(url).status_code == 200
    # Another agency's officer cannot see an agency layer: 404 like any stranger;
    # once the layer is internal it is seen but not editable: 403.
    assert _signed_in(people["other_field"]).get(url).status_code == 404
    layer.visibility = "internal"
    layer.save(update_fields=["visibility"])
    assert _signed_in(people["other_field"]).get(url).status_code == 403
    assert _signed_in(people["public_member"]).get(url).status_code == 403
    # Another city's officer, and this layer asked for under another city: 404.
    assert _signed_in(people["foreign_field"]).get(url).status_code == 404
    other_city_url = f"/{elsewhere.slug}/layers/{layer.slug}/capture/"
    assert _signed_in(people["field"]).get(other_city_url).status_code == 404
    # Signed out: to the sign-in page.
    assert Client().get(url).status_code == 302
    # The start page lists the point layers the user may capture into.
    index = _signed_in(people["field"]).get(f"/{city.slug}/layers/capture/")
    assert [x.slug for x in index.context["layers"]] == [layer.slug]
    assert url in index.content.decode()
    assert (
        _signed_in(people["public_member"])
        .get(f"/{city.slug}/layers/capture/")
        .status_code
        == 403
    )
    worker = _signed_in(people["field"]).get(url + "sw.js")
    assert worker.status_code == 200
    assert worker["Service-Worker-Allowed"] == url


def test_part4_post_for_field_officers(world):
    city, elsewhere, layer, people = world
    layer.visibility = "internal"
    layer.save(update_fields=["visibility"])
    body = {"type": "Feature", "geometry": POINT, "properties": {"kondisi": "retak"}}
    assert _post(people["field"], city, layer, body).status_code == 201
    assert _post(people["other_field"], city, layer, body).status_code == 403
    # Another city's officer sees nothing of this city's internal layers.
    assert _post(people["foreign_field"], city, layer, body).status_code == 404
    assert _post(people["field"], elsewhere, layer, body).status_code == 404
    assert Feature.objects.filter(layer=layer).count() == 1
    # Updating is allowed, deleting stays with editors.
    fid = Feature.objects.get(layer=layer).pk
    token, _ = Token.objects.get_or_create(user=people["field"])
    deleted = Client().delete(
        f"/ogc/{city.slug}/collections/{layer.slug}/items/{fid}",
        HTTP_AUTHORIZATION=f"Token {token.key}",
        HTTP_IF_MATCH="*",
    )
    assert deleted.status_code == 403
    assert Feature.objects.filter(pk=fid).exists()
    patched = Client().patch(
        f"/ogc/{city.slug}/collections/{layer.slug}/items/{fid}",
        data=json.dumps({"properties": {"kondisi": "diperbaiki"}}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {token.key}",
        HTTP_IF_MATCH="*",
    )
    assert patched.status_code == 200, patched.content
    assert Feature.objects.get(pk=fid).properties["kondisi"] == "diperbaiki"


@pytest.mark.parametrize(
    "body",
    [
        # A line into a point layer.
        {
            "type": "Feature",
            "geometry": {
                "type": "LineString",
                "coordinates": [[120.0, -4.9], [120.1, -4.9]],
            },
            "properties": {"kondisi": "x"},
        },
        # Out of range coordinates.
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [500, -4.95]},
            "properties": {"kondisi": "x"},
        },
        # Not in the schema, wrong type, required missing.
        {
            "type": "Feature",
            "geometry": POINT,
            "properties": {"kondisi": "x", "warna": 1},
        },
        {
            "type": "Feature",
            "geometry": POINT,
            "properties": {"kondisi": "x", "lebar_cm": "lebar"},
        },
        {"type": "Feature", "geometry": POINT, "properties": {"lebar_cm": 3}},
    ],
)
def test_bad_geometry_or_attributes_is_400_and_stores_nothing(world, body):
    city, _, layer, people = world
    response = _post(people["field"], city, layer, body, str(uuid.uuid4()))
    assert response.status_code == 400, response.content
    assert not Feature.objects.filter(layer=layer).exists()


def test_retried_post_with_the_same_client_id_makes_one_feature(world):
    city, _, layer, people = world
    body = {
        "type": "Feature",
        "geometry": POINT,
        "properties": {"kondisi": "tersumbat", "lebar_cm": 40, "berfungsi": False},
    }
    client_id = str(uuid.uuid4())
    first = _post(people["field"], city, layer, body, client_id)
    again = _post(people["field"], city, layer, body, client_id)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert Feature.objects.filter(layer=layer).count() == 1
    feature = Feature.objects.get(layer=layer)
    assert feature.properties == {
        "kondisi": "tersumbat",
        "lebar_cm": 40,
        "berfungsi": False,
    }
    assert FeatureEvent.objects.filter(pgh_obj_id=feature.pk).count() == 1
    other = _post(people["field"], city, layer, body, str(uuid.uuid4()))
    assert other.status_code == 201
    assert Feature.objects.filter(layer=layer).count() == 2
