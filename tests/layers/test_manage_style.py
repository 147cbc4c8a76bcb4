"""The style editor: categorized and graduated styles computed from the data, stored
once, read by the map's catalogue, and exported as SLD and QML."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import mapclassify
import numpy as np
import pytest
from django.test import Client

from layers.models import Layer
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
    {"name": "jenis", "type": "text"},
    {"name": "luas", "type": "number"},
    {"name": "nik", "type": "text", "private": True},
]
KINDS = ["taman", "hutan kota", "lapangan"]
AREAS = [1.0, 2.0, 3.0, 10.0, 11.0, 12.0, 50.0, 55.0, 60.0]


def _xml(data: bytes) -> ET.Element:
    return ET.fromstring(data)  # noqa: S314 - the platform's own response


@pytest.fixture
def layer():
    city = CityFactory()
    agency = AgencyFactory(city=city)
    layer = LayerFactory(
        city=city,
        agency=agency,
        slug="taman",
        schema=SCHEMA,
        geometry_type=GeometryType.POINT,
    )
    for i, area in enumerate(AREAS):
        FeatureFactory(
            layer=layer,
            properties={
                "jenis": ["taman", "hutan kota", "lapangan"][i % 3],
                "luas": area,
            },
        )
    return layer


@pytest.fixture
def editor(layer) -> Client:
    member = MembershipFactory(
        city=layer.city, agency=layer.agency, role=Role.AGENCY_EDITOR
    )
    client = Client()
    client.force_login(member.user)
    return client


def _post(editor: Client, layer: Layer, **choices):
    data = {
        "type": "single",
        "color": "#123456",
        "radius": 7,
        "width": 2,
        "fill_opacity": 0.3,
        "label": "",
        "attribute": "",
        "method": "quantile",
        "classes": 3,
        "ramp": "reds",
        **choices,
    }
    return editor.post(f"/{layer.city.slug}/layers/manage/{layer.slug}/style", data)


def test_categorized_style_has_a_colour_per_value_and_exports(editor, layer):
    version = layer.data_version
    response = _post(
        editor, layer, type="categorized", attribute="jenis", label="jenis"
    )
    assert response.status_code == 302
    layer.refresh_from_db()
    renderer = layer.style["renderer"]
    assert [c["value"] for c in renderer["classes"]] == [
        "hutan kota",
        "lapangan",
        "taman",
    ]
    assert len({c["color"] for c in renderer["classes"]}) == 3
    assert layer.style["radius"] == 7
    assert layer.data_version > version
    # The map's catalogue hands the style to the city map and its legend.
    catalog = body_json(Client().get(f"/api/{layer.city.slug}/layers/"))
    entry = next(e for e in catalog["layers"] if e["slug"] == "taman")
    assert entry["style"]["renderer"]["classes"] == renderer["classes"]
    page = body(editor.get(f"/{layer.city.slug}/layers/manage/{layer.slug}/"))
    assert b'id="style-legend"' in page
    assert b"hutan kota" in page
    # The shareable HTML map draws each category in its colour.
    shared = body(Client().get(f"/{layer.city.slug}/map.html")).decode()
    for c in renderer["classes"]:
        assert c["color"] in shared
    sld = Client().get(f"/{layer.city.slug}/layers/{layer.slug}/style.sld")
    assert sld.status_code == 200
    tree = _xml(body(sld))
    ns = {"se": "http://www.opengis.net/se", "ogc": "http://www.opengis.net/ogc"}
    rules = tree.findall(".//se:Rule", ns)
    assert len(rules) == 3
    literals = [r.find(".//ogc:Literal", ns).text for r in rules]
    assert literals == ["hutan kota", "lapangan", "taman"]
    qml = _xml(body(Client().get(f"/{layer.city.slug}/layers/{layer.slug}/style.qml")))
    renderer_node = qml.find("renderer-v2")
    assert renderer_node.get("type") == "categorizedSymbol"
    assert renderer_node.get("attr") == "jenis"
    assert len(qml.findall(".//category")) == 3
    assert qml.find(".//text-style").get("fieldName") == "jenis"


def test_graduated_natural_breaks_follow_jenks(editor, layer):
    response = _post(
        editor,
        layer,
        type="graduated",
        attribute="luas",
        method="natural_breaks",
        classes=3,
    )
    assert response.status_code == 302
    layer.refresh_from_db()
    classes = layer.style["renderer"]["classes"]
    expected = mapclassify.FisherJenks(np.array(AREAS), k=3).bins
    assert [c["max"] for c in classes] == [float(b) for b in expected]
    assert classes[0]["min"] == 1.0
    assert len({c["color"] for c in classes}) == 3
    qml = _xml(body(Client().get(f"/{layer.city.slug}/layers/{layer.slug}/style.qml")))
    assert [r.get("upper") for r in qml.findall(".//range")] == [
        str(float(b)) for b in expected
    ]


def test_style_refuses_private_or_wrong_attributes(editor, layer):
    before = dict(layer.style)
    for choices in (
        {"type": "categorized", "attribute": "nik"},
        {"type": "graduated", "attribute": "jenis"},
    ):
        assert _post(editor, layer, **choices).status_code == 400
    layer.refresh_from_db()
    assert layer.style == before
    outsider = Client()
    response = outsider.post(f"/{layer.city.slug}/layers/manage/{layer.slug}/style", {})
    assert response.status_code == 302  # to sign in
