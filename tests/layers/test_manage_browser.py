"""Chromium walk of the feature editor: an agency editor selects a feature, edits
its attribute in the schema's form (saved through OGC API Features Part 4 with its
ETag), opens its history and restores the first version; no console error, nothing
loaded from outside."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from layers.models import Feature, FeatureEvent
from layers.models.layer import GeometryType
from tenancy.models import Role
from tests.browser import wait_js
from tests.factories import (
    AgencyFactory,
    CityFactory,
    FeatureFactory,
    LayerFactory,
    MembershipFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)


def test_editor_edits_an_attribute_and_restores_a_version(
    live_server, page, console_errors, external_requests
):
    city = CityFactory()
    agency = AgencyFactory(city=city)
    layer = LayerFactory(
        city=city,
        agency=agency,
        slug="drainase",
        geometry_type=GeometryType.POINT,
        schema=[{"name": "nama", "type": "text", "label": "Nama"}],
    )
    feature = FeatureFactory(layer=layer, properties={"nama": "Saluran Lama"})
    editor = MembershipFactory(city=city, agency=agency, role=Role.AGENCY_EDITOR).user
    client = Client()
    client.force_login(editor)
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page.goto(f"{live_server.url}/{city.slug}/layers/manage/{layer.slug}/features")
    wait_js(page, "document.body.dataset.editorReady === '1'")
    page.click(".leaflet-marker-icon")
    page.fill("#field-nama", "Saluran <b>Baru</b>")
    page.fill("#change-note", "nama diperbaiki")
    page.click("#save-feature")
    wait_js(page, f"document.body.dataset.lastSaved === '{feature.pk}'")
    feature.refresh_from_db()
    assert feature.properties == {"nama": "Saluran <b>Baru</b>"}
    update = FeatureEvent.objects.get(pgh_obj_id=feature.pk, pgh_label="update")
    assert update.pgh_context.metadata["note"] == "nama diperbaiki"
    assert update.pgh_context.metadata["user"] == editor.pk

    page.click("#show-history")
    wait_js(page, "document.querySelectorAll('#history-list .version').length === 2")
    page.click("#history-list .version:first-child button")  # draws the old one
    page.click("#history-list .version:first-child .restore")
    wait_js(page, f"document.body.dataset.restored === '{feature.pk}'")
    assert Feature.objects.get(pk=feature.pk).properties == {"nama": "Saluran Lama"}
    assert console_errors == []
    assert external_requests == []
