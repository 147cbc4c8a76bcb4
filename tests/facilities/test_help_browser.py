"""A citizen on a phone: taps "use my position" (mocked GPS), sees the nearest
hospital with its distance and a tap-to-call link under the city's emergency
numbers, and the page opens again with no network (service worker)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from facilities.selectors import nearest
from tests.browser import wait_js
from tests.facilities.conftest import INSIDE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def test_help_nearby_on_a_phone_with_a_mocked_position(browser, live_server, city):
    expected = nearest(city, *INSIDE, per_kind=1, kinds=["rumah-sakit"])[0]
    context = browser.new_context(
        viewport=PHONE,
        is_mobile=True,
        has_touch=True,
        locale="id-ID",
        geolocation={"longitude": INSIDE[0], "latitude": INSIDE[1]},
        permissions=["geolocation"],
    )
    page = context.new_page()
    outside: list[str] = []
    errors: list[str] = []
    page.on(
        "request",
        lambda r: None if r.url.startswith(live_server.url) else outside.append(r.url),
    )
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{live_server.url}/{city.slug}/help/")
    expect(page.locator(".emergency a.call").first).to_have_attribute("href", "tel:112")
    expect(page.locator("#nearby")).to_have_count(0)
    # The service worker keeps what this phone saw for when there is no network.
    wait_js(page, "document.documentElement.dataset.offlineReady === '1'")
    wait_js(page, "navigator.serviceWorker.controller !== null")

    page.click("#locate")
    page.wait_for_url("**/help/?lon=*")
    hospital = page.locator('.facility[data-kind="rumah-sakit"]').first
    expect(hospital.locator(".fname")).to_have_text(expected.name)
    distance = hospital.locator(".distance")
    expect(distance).to_have_text(
        f"{round(expected.distance_m)} m"
        if expected.distance_m < 1000
        else f"{expected.distance_m / 1000:.1f} km".replace(".", ",")
    )
    call = hospital.locator("a.call").first
    expect(call).to_have_attribute("href", f"tel:{expected.phones[0]}")
    expect(hospital.locator(".badge.open")).to_be_visible()
    # Big enough to tap.
    box = call.bounding_box()
    assert box is not None
    assert box["height"] >= 40
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # With no network the page still opens, with the numbers and the last results.
    context.set_offline(True)
    page.reload()
    expect(page.locator(".emergency a.call").first).to_have_attribute("href", "tel:112")
    expect(
        page.locator('.facility[data-kind="rumah-sakit"] .fname').first
    ).to_have_text(expected.name)
    context.set_offline(False)
    assert outside == []
    assert errors == []
    context.close()
