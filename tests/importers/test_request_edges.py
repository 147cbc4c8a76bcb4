"""Request values of the import and export endpoints: NUL and control characters are a
400 with a message, never a 500 or a stored layer title."""

from __future__ import annotations

import io

import pytest
from rest_framework.test import APIClient

from importers.models import ImportJob
from tenancy.models import Role
from tests.factories import FeatureFactory, LayerFactory, MembershipFactory, UserFactory
from tests.importers.conftest import write


@pytest.fixture
def editor(city, agency):
    user = UserFactory()
    MembershipFactory(user=user, city=city, agency=agency, role=Role.AGENCY_EDITOR)
    return user


def _upload(points, tmp_path) -> io.BytesIO:
    handle = io.BytesIO(write(points, tmp_path / "p.geojson").read_bytes())
    handle.name = "p.geojson"
    return handle


@pytest.mark.parametrize("field", ["title", "key", "layer_name"])
@pytest.mark.parametrize("value", ["a\x01b", "a\nb", "a\x00b"])
def test_api_upload_refuses_control_characters(
    editor, city, agency, points, tmp_path, field, value
):
    client = APIClient()
    client.force_authenticate(editor)
    data = {"file": _upload(points, tmp_path), "agency": agency.slug, "title": "Ok"}
    data[field] = value
    response = client.post(f"/api/{city.slug}/imports/", data, format="multipart")
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]
    assert not ImportJob.objects.exists()


@pytest.mark.parametrize("field", ["title", "key", "layer_name"])
@pytest.mark.parametrize(
    ("language", "message"), [("en", "control characters"), ("id", "karakter kontrol")]
)
def test_web_upload_refuses_control_characters(
    client, editor, city, agency, points, tmp_path, field, language, message
):
    client.force_login(editor)
    data = {
        "file": _upload(points, tmp_path),
        "agency": agency.pk,
        "title": "Ok",
        "mode": "create",
    }
    data[field] = "a\x01b"
    response = client.post(
        f"/{city.slug}/imports/", data, HTTP_ACCEPT_LANGUAGE=language
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ImportJob.objects.exists()


@pytest.mark.parametrize("fmt", ["csv", "geojson", "gpkg"])
@pytest.mark.parametrize("query", ["nama=a%00b", "nama=%01", "na%00ma=a"])
def test_export_filters_refuse_control_characters(client, city, agency, fmt, query):
    layer = LayerFactory(
        city=city,
        agency=agency,
        slug="x",
        schema=[{"name": "nama", "type": "text", "label": "Nama"}],
    )
    FeatureFactory(layer=layer, properties={"nama": "a"})
    response = client.get(f"/api/{city.slug}/layers/x/export?format={fmt}&{query}")
    assert response.status_code == 400
    assert "control characters" in response.json()["detail"]
