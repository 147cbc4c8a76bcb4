"""In Chromium: a DPMPTSP officer issues a permit from the queue, and it then shows
on the public permits map (and not before)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from permits.models import Status
from tests.browser import wait_js
from tests.permits.conftest import application
from tests.permits.test_lifecycle import walk
from tests.reports.test_browser import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_officer_issues_a_permit_that_then_shows_on_the_public_map(
    page, live_server, city, officer, console_errors, external_requests
):
    permit, _code = application(city, number="REK-WALK-0001")
    permit = walk(permit, officer, Status.VERIFICATION, Status.TECHNICAL_REVIEW)
    public = f"{live_server.url}/{city.slug}/permits/"
    page.goto(public)
    wait_js(
        page,
        "() => window.petakotaPermits && window.petakotaPermits.ready",
        timeout_ms=60_000,
    )
    assert "REK-WALK-0001" not in page.evaluate("window.petakotaPermits.numbers")
    assert page.evaluate("window.petakotaPermits.count") > 50  # the demo permits

    login(page, live_server, officer)
    page.goto(f"{live_server.url}/{city.slug}/permits/staff/")
    page.select_option("select[name=status]", "technical_review")
    page.click("#queue-filters button[type=submit]")
    page.locator("tr[data-number='REK-WALK-0001']").get_by_role(
        "link", name="REK-WALK-0001"
    ).click()
    expect(page.locator("#status")).to_have_attribute("data-status", "technical_review")
    page.fill("#note", "Sesuai tata ruang")
    page.click("#transition-form button[data-status=issued]")
    expect(page.locator("#status")).to_have_attribute("data-status", "issued")
    expect(page.locator("#timeline")).to_contain_text("Sesuai tata ruang")

    page.goto(public + "?number=REK-WALK-0001")
    expect(page.locator("#found")).to_contain_text("REK-WALK-0001")
    wait_js(
        page,
        "() => window.petakotaPermits && window.petakotaPermits.ready",
        timeout_ms=60_000,
    )
    assert "REK-WALK-0001" in page.evaluate("window.petakotaPermits.numbers")
    assert console_errors == []
    assert external_requests == []
