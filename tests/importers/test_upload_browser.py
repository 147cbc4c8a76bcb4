"""An agency editor uploads a file in Chromium, sees the preview map, confirms, and
watches the worker finish it."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from layers.models import Feature
from tenancy.models import Role
from tests.factories import MembershipFactory, UserFactory
from tests.importers.conftest import write
from tests.importers.test_jobs_api import run_worker

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_editor_uploads_previews_confirms_and_sees_the_report(
    page,
    live_server,
    city,
    agency,
    layer,
    points,
    tmp_path,
    external_requests,
    console_errors,
):
    user = UserFactory(username="editor")
    MembershipFactory(user=user, city=city, agency=agency, role=Role.AGENCY_EDITOR)
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page.goto(f"{live_server.url}/{city.slug}/imports/")

    page.wait_for_selector("#upload-form")
    options = page.locator("#id_layer option").all_inner_texts()
    assert layer.title in options
    page.select_option("#id_layer", label=layer.title)
    page.select_option("#id_mode", "upsert")
    page.fill("#id_key", "kode")
    page.set_input_files("#id_file", str(write(points, tmp_path / "fasilitas.geojson")))
    page.click("#upload-submit")

    # The worker checks the upload; the page then shows its preview.
    page.wait_for_selector("#job-status[data-status=checking]")
    assert run_worker().returncode == 0
    page.wait_for_selector("#preview-map .leaflet-interactive", timeout=10000)
    assert page.locator("#preview-map .leaflet-interactive").count() == 3
    schema = page.locator("#preview-schema").inner_text()
    assert "jumlah" in schema
    assert "integer" in schema
    page.click("#confirm-import")
    page.wait_for_selector("#job-status[data-status=queued]")

    assert run_worker().returncode == 0
    page.wait_for_selector("#job-status[data-status=succeeded]", timeout=10000)
    page.wait_for_selector("#report-box:not([hidden])")
    assert page.locator("[data-count=inserted]").inner_text() == "3"
    assert Feature.objects.filter(layer=layer).count() == 3
    assert external_requests == []
    assert console_errors == []
