"""Chromium walks a citizen's submission (mocked GPS, a photo), the same submission
sent offline and delivered exactly once, and an operator's triage to resolution."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from playwright.sync_api import expect

from reports.models import Photo, Report
from tests.reports.conftest import INSIDE, photo_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def open_form(page, live_server, city) -> None:
    page.context.grant_permissions(["geolocation"], origin=live_server.url)
    page.context.set_geolocation(
        {"longitude": INSIDE[0], "latitude": INSIDE[1], "accuracy": 80}
    )
    page.goto(f"{live_server.url}/{city.slug}/reports/")
    expect(page.locator("#area")).to_contain_text("Sukarasa")
    expect(page.locator("#gps-warning")).to_be_visible()  # 80 m > 50 m threshold


def fill(page, tmp_path, text: str) -> None:
    page.select_option("#category", "jalan-rusak")
    page.select_option("#q-ukuran", "besar")
    page.fill("#description", text)
    photo = tmp_path / "lubang.jpg"
    photo.write_bytes(photo_bytes(gps=INSIDE, size=(320, 240)))
    page.set_input_files("#photos", str(photo))
    page.fill("#contact_phone", "081234567890")


def test_citizen_submits_online_then_offline_exactly_once(
    page, live_server, city, tmp_path, console_errors, external_requests
):
    open_form(page, live_server, city)
    fill(page, tmp_path, "Lubang besar <b>di depan</b> pasar")
    page.click("#send")
    expect(page.locator("#ticket")).to_have_text(
        re.compile(r"^[A-Z2-9]{4}-[A-Z2-9]{4}$")
    )
    ticket = page.locator("#ticket").text_content()
    report = Report.objects.get(ticket=ticket)
    assert report.contact_phone == "081234567890"
    assert report.accuracy_m == 80
    assert Photo.objects.filter(report=report).count() == 1

    page.click("#track-link")
    expect(page.locator("#status")).to_be_visible()
    expect(page.locator("#description")).to_have_text(
        "Lubang besar <b>di depan</b> pasar"
    )
    assert "081234567890" not in page.content()

    # The same walk with no network: queued in the browser, sent once when back.
    open_form(page, live_server, city)
    fill(page, tmp_path, "Lubang kedua, dikirim tanpa sinyal")
    page.context.set_offline(True)
    page.click("#send")
    expect(page.locator("#queue-status")).to_be_visible()
    assert not Report.objects.filter(description__startswith="Lubang kedua").exists()
    page.context.set_offline(False)
    expect(page.locator("#ticket")).to_have_text(
        re.compile(r"^[A-Z2-9]{4}-[A-Z2-9]{4}$")
    )
    # A second flush (timer, reload) finds nothing left to send.
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.wait_for_timeout(300)
    assert Report.objects.filter(description__startswith="Lubang kedua").count() == 1
    assert page.evaluate("ReportQueue.all().then((a) => a.length)") == 0
    assert external_requests == []
    # The one failed fetch while offline is expected; nothing else may fail.
    assert [e for e in console_errors if "ERR_INTERNET_DISCONNECTED" not in e] == []


def login(page, live_server, user) -> None:
    session = SessionStore()
    session["_auth_user_id"] = str(user.pk)
    session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
    session["_auth_user_hash"] = user.get_session_auth_hash()
    session.save()
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": session.session_key,
                "url": live_server.url,
            }
        ]
    )


def test_operator_triages_a_report_to_resolution(
    page, live_server, city, operator, tmp_path, console_errors
):
    from django.test import Client

    from tests.reports.conftest import submit

    ticket = submit(Client(), city, description="<img src=x onerror=alert(1)>").json()[
        "ticket"
    ]
    login(page, live_server, operator)
    page.goto(f"{live_server.url}/{city.slug}/reports/console/")
    row = page.locator(f"tr[data-ticket='{ticket}']")
    expect(row).to_be_visible()
    row.get_by_role("link", name=ticket).click()
    expect(page.locator("#d-description")).to_have_text("<img src=x onerror=alert(1)>")
    page.locator("#d-actions button[data-to='verified']").click()
    expect(page.locator("#d-status")).to_contain_text(
        re.compile("Verified|Terverifikasi|Diverifikasi")
    )
    page.select_option("#d-agency", "dinas-pu")
    page.fill("#d-note", "Tim PU menuju lokasi")
    page.check("#d-public")
    page.click("#d-assign")
    expect(page.locator("#d-timeline")).to_contain_text("Tim PU menuju lokasi")
    for to in ("in_progress", "resolved"):
        page.locator(f"#d-actions button[data-to='{to}']").click()
        expect(page.locator(f"#d-actions button[data-to='{to}']")).to_have_count(0)
    assert Report.objects.get(ticket=ticket).status == "resolved"
    # A report arriving now shows up in the list without reloading (polling).
    new = submit(Client(), city).json()["ticket"]
    page.select_option("select[name=status]", "")
    expect(page.locator(f"tr[data-ticket='{new}']")).to_be_visible(timeout=10000)
    # Bulk: verify the new one from the list.
    page.locator(f"tr[data-ticket='{new}'] input[type=checkbox]").check()
    page.click("[data-bulk='verified']")
    expect(page.locator("#bulk-message")).not_to_be_empty()
    assert Report.objects.get(ticket=new).status == "verified"
    assert console_errors == []
