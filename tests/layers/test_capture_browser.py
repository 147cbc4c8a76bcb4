"""A field officer on a phone: the capture page refuses a coarse GPS fix, opens
with no network after one visit, keeps a feature filled in offline as one client id
however often send is pressed, and sends it once back online: one feature in the
layer, with its history event; then updates that feature from the same page."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import expect

from layers.models import Feature, FeatureEvent
from layers.models.layer import GeometryType
from tenancy.models import Role
from tests.browser import wait_js
from tests.factories import AgencyFactory, CityFactory, LayerFactory, MembershipFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 740}
HERE = {"longitude": 120.05, "latitude": -4.95}


def test_field_officer_adds_one_feature_offline(page, live_server, console_errors):
    city = CityFactory()
    agency = AgencyFactory(city=city)
    layer = LayerFactory(
        city=city,
        agency=agency,
        slug="drainase-rusak",
        geometry_type=GeometryType.POINT,
        schema=[
            {"name": "kondisi", "type": "text", "label": "Kondisi", "required": True},
            {"name": "lebar_cm", "type": "integer", "label": "Lebar (cm)"},
            {"name": "berfungsi", "type": "boolean", "label": "Berfungsi"},
        ],
    )
    officer = MembershipFactory(city=city, agency=agency, role=Role.FIELD_OFFICER).user
    client = Client()
    client.force_login(officer)
    context = page.context
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page.set_viewport_size(PHONE)
    context.grant_permissions(["geolocation"], origin=live_server.url)
    url = f"{live_server.url}/{city.slug}/layers/{layer.slug}/capture/"

    # A fix worse than the gate (30 m) is no position.
    context.set_geolocation({**HERE, "accuracy": 120})
    page.goto(url)
    wait_js(page, "document.body.dataset.captureReady === '1'")
    expect(page.locator("#gps-warning")).to_contain_text("120")
    page.fill("#field-kondisi", "retak")
    page.click("#send")
    expect(page.locator("#err-location")).to_be_visible()
    assert page.evaluate("CaptureQueue.all().then((a) => a.length)") == 0

    # A good fix; the worker has kept the page, so it opens with no network.
    context.set_geolocation({**HERE, "accuracy": 6})
    page.reload()
    page.wait_for_selector("html[data-offline-ready]", state="attached")
    context.set_offline(True)
    page.reload()
    wait_js(page, "document.body.dataset.captureReady === '1'")
    expect(page.locator("#gps-status")).to_contain_text("6")
    page.fill("#field-kondisi", "tersumbat sampah")
    page.fill("#field-lebar_cm", "40")
    page.select_option("#field-berfungsi", "false")
    page.fill("#change-note", "survei pagi")
    page.click("#send")
    expect(page.locator("#queued")).to_be_visible()
    # Pressed again once it is queued: still one item, one client id.
    page.evaluate("document.getElementById('capture-form').requestSubmit()")
    page.wait_for_timeout(300)
    assert page.evaluate("CaptureQueue.all().then((a) => a.length)") == 1
    assert not Feature.objects.filter(layer=layer).exists()

    context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    fid = int(wait_js(page, "document.body.dataset.lastSent"))
    # Any further flush (the timer, another online event) sends nothing again.
    page.evaluate("window.dispatchEvent(new Event('online'))")
    wait_js(page, "document.body.dataset.queued === '0'")
    assert page.evaluate("CaptureQueue.all().then((a) => a.length)") == 0
    features = list(Feature.objects.filter(layer=layer))
    assert [f.pk for f in features] == [fid]
    assert features[0].properties == {
        "kondisi": "tersumbat sampah",
        "lebar_cm": 40,
        "berfungsi": False,
    }
    assert (features[0].geom.x, features[0].geom.y) == pytest.approx((120.05, -4.95))
    event = FeatureEvent.objects.get(pgh_obj_id=fid)
    assert event.pgh_label == "insert"
    assert "survei pagi" in event.pgh_context.metadata["note"]

    # Back later to update it (PATCH with the ETag read): same feature, new values.
    page.goto(f"{url}?feature={fid}")
    wait_js(page, "document.body.dataset.editReady === '1'")
    expect(page.locator("#field-kondisi")).to_have_value("tersumbat sampah")
    page.fill("#field-kondisi", "sudah dibersihkan")
    page.evaluate("delete document.body.dataset.lastSent")
    page.click("#send")
    assert int(wait_js(page, "document.body.dataset.lastSent")) == fid
    features[0].refresh_from_db()
    assert features[0].properties["kondisi"] == "sudah dibersihkan"
    assert Feature.objects.filter(layer=layer).count() == 1
    assert FeatureEvent.objects.filter(pgh_obj_id=fid, pgh_label="update").exists()
    assert not [e for e in console_errors if "ERR_INTERNET_DISCONNECTED" not in e]
