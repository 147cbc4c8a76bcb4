"""Times people read are in the city's zone with its label (WIB/WITA/WIT), in the page's
language; APIs keep ISO 8601 with an offset. Kota Gorontalo is in Asia/Makassar (WITA,
UTC+8): a report made at 05:50 UTC reads 13.50 WITA on every page."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client
from playwright.sync_api import expect

from layers.local_time import format_local, zone_label
from reports.models import Category, Report, ReportEvent
from reports.services import Submission, submit_report
from tenancy.models import AdminArea, Agency, Role
from tests.factories import MembershipFactory

AT = datetime(2026, 11, 27, 5, 50, tzinfo=UTC)  # 13.50 WITA, 12.50 WIB
DUE = AT + timedelta(hours=72)  # 30 Nov, 13.50 WITA


@pytest.fixture
def makassar_report(gorontalo):
    """Gorontalo on its own clock, with one report made at AT."""
    gorontalo.time_zone = "Asia/Makassar"
    gorontalo.save(update_fields=["time_zone"])
    agency = Agency.objects.create(city=gorontalo, slug="dinas-pu", name="Dinas PU")
    category = Category.objects.create(
        city=gorontalo, code="jalan-rusak", name="Jalan rusak", agency=agency
    )
    where = AdminArea.objects.filter(city=gorontalo, level="kelurahan").first()
    point = where.geom.point_on_surface
    report, _ = submit_report(
        city=gorontalo,
        submission=Submission(
            category=category,
            lon=point.x,
            lat=point.y,
            description="Jalan berlubang",
            client_uuid=uuid.uuid4(),
        ),
    )
    Report.objects.filter(pk=report.pk).update(created_at=AT, due_at=DUE)
    ReportEvent.objects.filter(report=report).update(at=AT)
    report.refresh_from_db()
    return report


def test_zone_labels_for_indonesias_three_zones():
    assert zone_label("Asia/Jakarta") == "WIB"
    assert zone_label("Asia/Makassar") == "WITA"
    assert zone_label("Asia/Jayapura") == "WIT"


@pytest.mark.django_db
def test_server_formatting_uses_the_city_zone_and_language(gorontalo):
    gorontalo.time_zone = "Asia/Makassar"
    from django.utils import translation

    with translation.override("id"):
        assert format_local(AT, gorontalo) == "27 Nov 2026, 13.50 WITA"
    with translation.override("en"):
        english = format_local(AT.isoformat(), gorontalo)
    assert english == "Nov 27, 2026, 13:50 WITA"


@pytest.mark.django_db
def test_tracking_page_shows_local_times_with_label(makassar_report):
    report = makassar_report
    url = f"/{report.city.slug}/reports/t/{report.ticket}/"
    page = Client(HTTP_ACCEPT_LANGUAGE="id").get(url).content.decode()
    assert "27 Nov 2026, 13.50 WITA" in page  # submitted and the timeline
    assert "30 Nov 2026, 13.50 WITA" in page  # target date
    assert "12.50" not in page  # not Jakarta's clock
    assert "2026-11-27T05:50" not in page.replace('datetime="2026-11-27T05:50', "")
    english = Client(HTTP_ACCEPT_LANGUAGE="en").get(url).content.decode()
    assert "Nov 27, 2026, 13:50 WITA" in english
    # The API keeps ISO 8601 with an offset.
    api = Client().get(f"/api/{report.city.slug}/reports/{report.ticket}").json()
    assert api["created"] == "2026-11-27T05:50:00+00:00"


def _login(page, live_server, user) -> None:
    from django.conf import settings

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
            },
            {"name": "django_language", "value": "id", "url": live_server.url},
        ]
    )


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_console_and_tracking_page_read_wita_in_chromium(
    page, live_server, makassar_report, console_errors
):
    report = makassar_report
    city = report.city
    operator = MembershipFactory(city=city, role=Role.OPERATOR).user
    _login(page, live_server, operator)
    page.goto(f"{live_server.url}/{city.slug}/reports/console/")
    row = page.locator(f"tr[data-ticket='{report.ticket}']")
    expect(row).to_contain_text("13.50 WITA")
    expect(row).to_contain_text("30 Nov 2026")
    row.get_by_role("link", name=report.ticket).click()
    expect(page.locator("#d-timeline time").first).to_have_text(
        "27 Nov 2026, 13.50 WITA"
    )
    expect(page.locator("#d-facts")).to_contain_text("13.50 WITA")

    # The console's script writes a time exactly as the server does (an August date:
    # the Indonesian month abbreviation differs from the English one).
    august = datetime(2026, 8, 17, 2, 5, tzinfo=UTC)
    zone = {"timeZone": "Asia/Makassar", "zoneLabel": "WITA"}
    scripted = page.evaluate(
        "([iso, zone]) => PetaKotaTime.format(iso, zone)", [august.isoformat(), zone]
    )
    from django.utils import translation

    with translation.override("id"):
        assert scripted == format_local(august, city) == "17 Agu 2026, 10.05 WITA"
    page.goto(f"{live_server.url}/{city.slug}/reports/t/{report.ticket}/")
    expect(page.locator("#timeline time").first).to_have_text("27 Nov 2026, 13.50 WITA")
    expect(page.locator("#submitted")).to_have_text("27 Nov 2026, 13.50 WITA")
    assert "T05:50" not in page.locator("article").inner_text()
    assert console_errors == []
