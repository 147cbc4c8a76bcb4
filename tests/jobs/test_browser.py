"""One Chromium walk on a phone: an employer posts a vacancy (workplace set on the
map), Disnaker publishes it from the moderation queue, and a job seeker whose phone
reports a (mocked) position finds it first with "near me", with its distance."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from jobs.dates import city_today
from jobs.models import Vacancy
from jobs.workflow import Status
from tenancy.models import City
from tests.browser import wait_js
from tests.jobs.conftest import build_city
from tests.reports.test_browser import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The workplace: in Kelurahan Sukarasa; the seeker stands ~300 m away.
WORK = (106.6318, -6.1729)
SEEKER = (106.6345, -6.1729)
TITLE = 'Teknisi <b>"listrik"</b> uji'


@pytest.fixture
def city(transactional_db: None) -> City:
    """Committed (the live server reads it from its own connection); the flush
    after this transactional test removes it."""
    return build_city()


@pytest.fixture
def browser_context_args(browser_context_args: dict) -> dict:
    return {
        **browser_context_args,
        "viewport": {"width": 390, "height": 844},
        "is_mobile": True,
        "has_touch": True,
    }


def test_employer_posts_disnaker_publishes_seeker_finds_it_near_me(
    page, live_server, city, employer, moderator, console_errors, external_requests
):
    base = f"{live_server.url}/{city.slug}/jobs"
    # The employer posts.
    login(page, live_server, employer.members.get())
    page.goto(f"{base}/post/")
    page.fill("#title", TITLE)
    page.fill("#description", "Memasang dan merawat panel listrik pabrik.")
    page.select_option("#occupation", "7411")
    page.select_option("#sector", "C")
    page.fill("#openings", "2")
    page.select_option("#education", "SMK")
    page.fill("#salary-min", "5500000")
    page.fill("#salary-max", "6500000")
    wait_js(page, "() => !!window.__jobsPickMap")
    page.evaluate(
        "([lon, lat]) => window.__jobsPickMap.fire('click', "
        "{latlng: L.latLng(lat, lon)})",
        list(WORK),
    )
    assert page.input_value("#lon") == f"{WORK[0]:.6f}"
    page.fill("#apply-url", "https://example.com/karier")
    closes = city_today(city) + timedelta(days=14)
    page.fill("#closes-on", closes.isoformat())
    page.click("#submit")
    expect(page.locator("#posted")).to_be_visible()
    expect(page.locator("#mine")).to_contain_text("Teknisi")
    vacancy = Vacancy.objects.get(city=city, title=TITLE)
    assert vacancy.status == Status.SUBMITTED
    assert vacancy.kelurahan.name == "Sukarasa"

    # Disnaker publishes it from the queue.
    page.context.clear_cookies()
    login(page, live_server, moderator)
    page.goto(f"{base}/moderate/")
    row = page.locator(f'li[data-id="{vacancy.pk}"]')
    expect(row).to_contain_text(TITLE)
    row.locator("button.publish").click()
    expect(page.locator("#done")).to_be_visible()
    vacancy.refresh_from_db()
    assert vacancy.status == Status.PUBLISHED

    # A job seeker, signed out, on the phone: "near me".
    page.context.clear_cookies()
    page.context.grant_permissions(["geolocation"], origin=live_server.url)
    page.context.set_geolocation(
        {"longitude": SEEKER[0], "latitude": SEEKER[1], "accuracy": 30}
    )
    page.goto(f"{base}/")
    wait_js(page, "() => window.__jobsMapReady === true")
    page.click("#near-me")
    page.wait_for_url("**/jobs/?*lat=*")
    first = page.locator("#job-list li.job").first
    expect(first).to_contain_text(TITLE)
    distance = float(first.locator(".distance").get_attribute("data-distance-m"))
    assert 250 < distance < 350
    wait_js(page, "() => window.__jobsEstates > 0")
    # The phone layout: the list and the map fit the screen's width.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    first.locator("a.job-title").click()
    expect(page.locator("#title")).to_have_text(TITLE)
    assert page.evaluate("window.__pwned") is None
    assert external_requests == []
    assert console_errors == []
