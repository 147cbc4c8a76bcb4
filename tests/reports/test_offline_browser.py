"""A citizen on a phone with no network: one report is one client id however often
"Kirim laporan" is pressed; the page opens offline (service worker) and a queued
report survives closing the browser (IndexedDB) and is sent on the next visit; empty
or refused fields get their own message next to them in the page's language."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from reports.models import Report
from tests.reports.conftest import INSIDE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TICKET = re.compile(r"^[A-Z2-9]{4}-[A-Z2-9]{4}$")
PHONE = {"width": 360, "height": 740}


def fill(page, text: str) -> None:
    page.select_option("#category", "jalan-rusak")
    page.select_option("#q-ukuran", "besar")
    page.fill("#description", text)


def open_form(page, url: str) -> None:
    page.goto(url)
    expect(page.locator("#area")).to_contain_text("Sukarasa")


def test_pressing_send_twice_offline_queues_one_report(page, live_server, city):
    page.set_viewport_size(PHONE)
    page.context.grant_permissions(["geolocation"], origin=live_server.url)
    page.context.set_geolocation({"longitude": INSIDE[0], "latitude": INSIDE[1]})
    open_form(page, f"{live_server.url}/{city.slug}/reports/")
    fill(page, "Lubang dua kali ditekan")
    page.context.set_offline(True)
    page.click("#send")
    expect(page.locator("#queue-status")).to_be_visible()
    # Pressed again (and again) once the first press has queued it.
    for _ in range(2):
        page.evaluate("document.getElementById('report-form').requestSubmit()")
        page.wait_for_timeout(300)
    assert page.evaluate("ReportQueue.all().then((a) => a.length)") == 1
    queued = page.locator("#queued")
    expect(queued).to_be_visible()
    expect(queued).to_be_in_viewport()
    expect(page.locator("#send")).to_be_hidden()

    page.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    expect(page.locator("#ticket")).to_have_text(TICKET)
    expect(queued).to_be_hidden()
    assert Report.objects.filter(description="Lubang dua kali ditekan").count() == 1


def test_report_page_opens_offline_and_queue_survives_closing_the_browser(
    playwright, browser_type_launch_args, live_server, city, tmp_path
):
    def launch():
        return playwright.chromium.launch_persistent_context(
            str(tmp_path / "profile"),
            **browser_type_launch_args,
            viewport=PHONE,
            geolocation={"longitude": INSIDE[0], "latitude": INSIDE[1]},
            permissions=["geolocation"],
        )

    url = f"{live_server.url}/{city.slug}/reports/"
    context = launch()
    page = context.new_page()
    open_form(page, url)
    # The worker has kept the page and everything it loaded.
    page.wait_for_selector("html[data-offline-ready]", state="attached")

    context.set_offline(True)
    page.reload()
    expect(page.locator("#category option")).not_to_have_count(0)
    expect(page.locator(".leaflet-marker-icon")).to_be_visible()
    fill(page, "Dilaporkan tanpa sinyal, dikirim besok")
    page.click("#send")
    expect(page.locator("#queued")).to_be_visible()
    context.close()
    assert not Report.objects.filter(description__startswith="Dilaporkan").exists()

    # The next visit, with a network: the queued report is sent by itself.
    context = launch()
    page = context.new_page()
    page.goto(url)
    expect(page.locator("#ticket")).to_have_text(TICKET)
    assert Report.objects.filter(description__startswith="Dilaporkan").count() == 1
    assert page.evaluate("ReportQueue.all().then((a) => a.length)") == 0
    context.close()


@pytest.mark.parametrize(
    ("locale", "category", "description", "location", "refused"),
    [
        (
            "id-ID",
            "Pilih kategori.",
            "Mohon jelaskan masalahnya.",
            "Mohon tentukan lokasi di peta.",
            "karakter",
        ),
        (
            "en-US",
            "Choose a category.",
            "Please describe the problem.",
            "Please set the location on the map.",
            "characters",
        ),
    ],
)
def test_each_field_says_what_it_needs_in_the_page_language(
    browser, live_server, city, locale, category, description, location, refused
):
    context = browser.new_context(locale=locale, viewport=PHONE)
    page = context.new_page()
    page.goto(f"{live_server.url}/{city.slug}/reports/")  # no GPS, no pin yet
    page.click("#send")
    expect(page.locator("#err-category")).to_have_text(category)
    expect(page.locator("#err-description")).to_have_text(description)
    expect(page.locator("#err-location")).to_have_text(location)
    page.select_option("#category", "jalan-rusak")
    page.click("#send")
    expect(page.locator("#err-q-ukuran")).to_contain_text("Perkiraan ukuran lubang")
    expect(page.locator("#err-category")).to_be_hidden()

    # A value only the server refuses: its message lands next to its field too.
    page.click("#pick-map")
    page.select_option("#q-ukuran", "kecil")
    page.fill("#description", "Lubang kecil")
    page.evaluate("document.getElementById('contact_name').value = 'Ani\\u0007'")
    page.click("#send")
    expect(page.locator("#err-contact_name")).to_contain_text(refused)
    expect(page.locator("#report-form")).to_be_visible()
    assert not Report.objects.filter(description="Lubang kecil").exists()
    # Fixed and sent again: the same report, now accepted.
    page.fill("#contact_name", "Ani")
    page.click("#send")
    expect(page.locator("#ticket")).to_have_text(TICKET)
    assert Report.objects.filter(description="Lubang kecil").count() == 1
    context.close()
