"""Layer management pages: who may use them, metadata and attribute privacy (a
private attribute leaves through no API, tile or export), drafts and publishing,
deletion with confirmation (the history keeps the layer)."""

from __future__ import annotations

import pytest
from django.test import Client

from layers.models import Layer, LayerEvent
from layers.models.layer import GeometryType
from tenancy.models import Role
from tests.factories import (
    AgencyFactory,
    CityFactory,
    FeatureFactory,
    LayerFactory,
    MembershipFactory,
)
from tests.http import body, body_json

pytestmark = pytest.mark.django_db

SCHEMA = [
    {"name": "nama", "type": "text", "label": "nama"},
    {"name": "nik", "type": "text", "label": "nik"},
]


@pytest.fixture
def world():
    city = CityFactory()
    agency, other = AgencyFactory(city=city), AgencyFactory(city=city)
    layer = LayerFactory(
        city=city,
        agency=agency,
        slug="posyandu",
        schema=SCHEMA,
        geometry_type=GeometryType.POINT,
    )
    FeatureFactory(layer=layer, properties={"nama": "Melati", "nik": "3671000000"})
    others = LayerFactory(city=city, agency=other, slug="lain")
    people = {
        name: MembershipFactory(city=city, agency=member_of, role=role).user
        for name, role, member_of in (
            ("editor", Role.AGENCY_EDITOR, agency),
            ("other_editor", Role.AGENCY_EDITOR, other),
            ("field", Role.FIELD_OFFICER, agency),
            ("admin", Role.CITY_ADMIN, None),
        )
    }
    return city, layer, others, people


def _as(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _form(layer: Layer, **changes) -> dict:
    data = {
        "meta-title": layer.title,
        "meta-title_en": "",
        "meta-description": "",
        "meta-description_en": "",
        "meta-dimension": layer.dimension,
        "meta-license": "",
        "meta-attribution": "",
        "meta-update_frequency": "",
        "meta-visibility": layer.visibility,
        "meta-keywords_text": "",
        "attr-TOTAL_FORMS": "2",
        "attr-INITIAL_FORMS": "2",
        "attr-0-name": "nama",
        "attr-0-label_id": "Nama",
        "attr-0-label_en": "Name",
        "attr-0-public": "on",
        "attr-1-name": "nik",
        "attr-1-label_id": "NIK",
        "attr-1-label_en": "ID number",
        "attr-1-public": "on",
    }
    data.update(changes)
    return data


def test_who_may_manage(world):
    city, layer, others, people = world
    page = f"/{city.slug}/layers/manage/{layer.slug}/"
    assert _as(None).get(page).status_code == 302  # to sign in
    for who, status in (
        ("other_editor", 403),
        ("field", 403),
        ("editor", 200),
        ("admin", 200),
    ):
        assert _as(people[who]).get(page).status_code == status, who
    listing = body(_as(people["editor"]).get(f"/{city.slug}/layers/manage/")).decode()
    assert 'data-layer="posyandu"' in listing
    assert 'data-layer="lain"' not in listing
    admin_listing = body(_as(people["admin"]).get(f"/{city.slug}/layers/manage/"))
    assert b'data-layer="lain"' in admin_listing
    assert _as(people["field"]).get(f"/{city.slug}/layers/manage/").status_code == 403
    # Another agency's agency-only layer: not even its existence is told.
    others.visibility = "agency"
    others.save()
    hidden = f"/{city.slug}/layers/manage/{others.slug}/"
    assert _as(people["editor"]).get(hidden).status_code == 404


def test_metadata_and_private_attributes(world, settings):
    city, layer, _others, people = world
    editor = _as(people["editor"])
    version = layer.data_version
    response = editor.post(
        f"/{city.slug}/layers/manage/{layer.slug}/",
        _form(
            layer,
            **{
                "meta-title_en": "Health posts",
                "meta-keywords_text": "kesehatan, posyandu",
                "meta-update_frequency": "monthly",
                "attr-1-public": "",
            },
        ),
    )
    assert response.status_code == 302, body(response)[:2000]
    layer.refresh_from_db()
    assert layer.title_en == "Health posts"
    assert layer.keywords == ["kesehatan", "posyandu"]
    assert layer.schema[0]["labels"] == {"id": "Nama", "en": "Name"}
    assert layer.schema[1]["private"] is True
    assert layer.data_version > version
    assert LayerEvent.objects.filter(pgh_obj_id=layer.pk, pgh_label="update").exists()
    public = Client()
    base = f"/api/{city.slug}/layers/{layer.slug}"
    features = body_json(public.get(f"{base}/features"))["features"]
    assert features[0]["properties"] == {"nama": "Melati"}
    assert public.get(f"{base}/features?nik=3671000000").status_code in (200, 400)
    assert b"3671000000" not in body(public.get(f"{base}/features?nik=3671000000"))
    queryables = body_json(
        public.get(f"/ogc/{city.slug}/collections/{layer.slug}/queryables")
    )
    assert "nik" not in queryables["properties"]
    export = body(public.get(f"{base}/export?format=csv")).decode()
    assert "Melati" in export
    assert "nik" not in export
    assert "3671000000" not in export


def test_drafts_are_seen_by_their_agency_until_published(world):
    city, layer, _others, people = world
    layer.visibility = "draft"
    layer.save()
    features = f"/api/{city.slug}/layers/{layer.slug}/features"
    assert Client().get(features).status_code == 404
    assert _as(people["other_editor"]).get(features).status_code == 404
    assert _as(people["editor"]).get(features).status_code == 200
    assert _as(people["admin"]).get(features).status_code == 200
    page = body(_as(people["editor"]).get(f"/{city.slug}/layers/manage/{layer.slug}/"))
    assert b'id="publish"' in page
    response = _as(people["editor"]).post(
        f"/{city.slug}/layers/manage/{layer.slug}/publish"
    )
    assert response.status_code == 302
    assert Client().get(features).status_code == 200


def test_delete_needs_confirmation_and_keeps_history(world):
    city, layer, _others, people = world
    url = f"/{city.slug}/layers/manage/{layer.slug}/delete"
    editor = _as(people["editor"])
    assert editor.get(url).status_code == 200
    assert editor.post(url, {"confirm_slug": "wrong"}).status_code == 400
    assert Layer.objects.filter(pk=layer.pk).exists()
    assert (
        _as(people["other_editor"]).post(url, {"confirm_slug": layer.slug}).status_code
        == 403
    )
    assert editor.post(url, {"confirm_slug": layer.slug}).status_code == 302
    assert not Layer.objects.filter(pk=layer.pk).exists()
    labels = set(
        LayerEvent.objects.filter(pgh_obj_id=layer.pk).values_list(
            "pgh_label", flat=True
        )
    )
    assert {"bulk_load", "delete"} <= labels


def test_forms_need_the_csrf_token(world):
    city, layer, _others, people = world
    client = Client(enforce_csrf_checks=True)
    client.force_login(people["editor"])
    url = f"/{city.slug}/layers/manage/{layer.slug}/delete"
    assert client.post(url, {"confirm_slug": layer.slug}).status_code == 403
    assert Layer.objects.filter(pk=layer.pk).exists()
