"""What an operator met in the console, in Chromium: a "public" tick that stayed on
after an action (the next internal note went public), a map squeezed to ~450 px when a
report opened, no search and no export."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client
from playwright.sync_api import expect

from reports.models import ReportEvent
from tests.reports.conftest import submit
from tests.reports.test_browser import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def map_width(page) -> float:
    return page.locator("#console-map").bounding_box()["width"]


def test_public_note_defaults_to_internal_and_resets_after_each_action(
    page, live_server, city, operator, console_errors
):
    first = submit(Client(), city).json()["ticket"]
    second = submit(Client(), city, description="Lubang kedua").json()["ticket"]
    login(page, live_server, operator)
    page.goto(f"{live_server.url}/{city.slug}/reports/console/")
    page.locator(f"tr[data-ticket='{first}']").get_by_role("link", name=first).click()
    expect(page.locator("#d-ticket")).to_have_text(first)
    expect(page.locator("#d-public")).not_to_be_checked()
    page.fill("#d-note", "Petugas menuju lokasi")
    page.check("#d-public")
    page.click("#d-note-btn")
    expect(page.locator("#d-timeline")).to_contain_text("Petugas menuju lokasi")
    expect(page.locator("#d-public")).not_to_be_checked()
    page.fill("#d-note", "Nomor HP pelapor sudah dihubungi")
    page.click("#d-note-btn")
    expect(page.locator("#d-timeline")).to_contain_text("sudah dihubungi")
    notes = ReportEvent.objects.filter(report__ticket=first, kind="note")
    assert [(e.note[:8], e.public) for e in notes.order_by("id")] == [
        ("Petugas ", True),
        ("Nomor HP", False),
    ]
    # A tick never follows the operator to another report.
    page.check("#d-public")
    page.locator(f"tr[data-ticket='{second}']").get_by_role("link", name=second).click()
    expect(page.locator("#d-ticket")).to_have_text(second)
    expect(page.locator("#d-public")).not_to_be_checked()
    assert console_errors == []


def test_opening_a_report_keeps_the_map_width(page, live_server, city, operator):
    ticket = submit(Client(), city).json()["ticket"]
    page.set_viewport_size({"width": 1280, "height": 800})
    login(page, live_server, operator)
    page.goto(f"{live_server.url}/{city.slug}/reports/console/")
    row = page.locator(f"tr[data-ticket='{ticket}']")
    expect(row).to_be_visible()
    before = map_width(page)
    row.get_by_role("link", name=ticket).click()
    expect(page.locator("#detail")).to_be_visible()
    assert map_width(page) == before
    assert before > 600
    page.click("#d-close")
    expect(page.locator("#detail")).to_be_hidden()


def test_search_and_export_follow_the_filters(page, live_server, city, operator):
    wanted = submit(Client(), city, address="Jl. Sudirman 9").json()["ticket"]
    other = submit(Client(), city, address="Jl. Merdeka 1").json()["ticket"]
    login(page, live_server, operator)
    page.goto(f"{live_server.url}/{city.slug}/reports/console/")
    expect(page.locator(f"tr[data-ticket='{other}']")).to_be_visible()
    page.fill("#search", "sudirman")
    expect(page.locator(f"tr[data-ticket='{other}']")).to_have_count(0)
    expect(page.locator(f"tr[data-ticket='{wanted}']")).to_be_visible()
    page.press("#search", "Enter")  # does not reload the page
    expect(page.locator(f"tr[data-ticket='{wanted}']")).to_be_visible()
    href = page.locator("#export-csv").get_attribute("href")
    assert "q=sudirman" in href
    assert "status=open" in href
    with page.expect_download() as info:
        page.click("#export-csv")
    text = Path(info.value.path()).read_text(encoding="utf-8-sig")
    assert wanted in text
    assert other not in text


def test_agency_editor_accepts_starts_and_resolves_in_the_console(
    page, live_server, city, operator_client, pu_editor, console_errors
):
    import json

    ticket = submit(Client(), city).json()["ticket"]  # routed to dinas-pu
    operator_client.post(
        f"/api/{city.slug}/reports/console/reports/{ticket}/action",
        json.dumps({"action": "transition", "status": "verified"}),
        content_type="application/json",
    )
    login(page, live_server, pu_editor)
    page.context.add_cookies(
        [{"name": "django_language", "value": "id", "url": live_server.url}]
    )
    page.goto(f"{live_server.url}/{city.slug}/reports/console/")
    expect(page.locator("[data-nav=import]")).to_be_visible()  # its layers
    page.locator(f"tr[data-ticket='{ticket}']").get_by_role("link", name=ticket).click()
    actions = page.locator("#d-actions button")
    expect(actions).to_have_count(1)
    expect(actions).to_have_text("Terima")  # not a Reject that answers 403
    actions.click()
    for to in ("in_progress", "resolved"):
        page.locator(f"#d-actions button[data-to='{to}']").click()
        expect(page.locator(f"#d-actions button[data-to='{to}']")).to_have_count(0)
    expect(page.locator("#d-error")).to_be_hidden()
    assert ReportEvent.objects.filter(report__ticket=ticket, to_status="resolved")
    assert console_errors == []
