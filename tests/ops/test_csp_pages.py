"""Every page runs under the Content-Security-Policy with no violation and no console
error, signed out and signed in; an online basemap's tiles are allowed."""

from __future__ import annotations

import contextlib
import os
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import NoReverseMatch, reverse

from gis_platform.csp import page_policy, tile_source
from layers.models import Feature, Layer
from reports.models import Report
from tenancy.models import City, Role
from tests.factories import MembershipFactory, UserFactory
from tests.reports.conftest import submit

# The smallest valid PNG: one transparent pixel.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)

WATCH_VIOLATIONS = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) =>
  window.__csp.push(e.violatedDirective + " " + e.blockedURI));
"""


def test_tile_source_allows_the_basemap_host_only():
    assert tile_source("https://{s}.tile.example.org/{z}/{x}/{y}.png") == (
        "https://*.tile.example.org"
    )
    assert tile_source("http://127.0.0.1:8081/{z}/{x}/{y}.png") == (
        "http://127.0.0.1:8081"
    )
    for bad in ("javascript:alert(1)", "tiles/{z}/{x}/{y}.png", "https://a.{s}.org/x"):
        with pytest.raises(ImproperlyConfigured):
            tile_source(bad)
    policy = page_policy("n0nce", "https://tiles.example.org/{z}/{x}/{y}.png")
    assert "img-src 'self' data: blob: https://tiles.example.org;" in policy
    assert "script-src 'self' 'nonce-n0nce';" in policy


@pytest.fixture
def city(tangerang):
    call_command("seed_report_categories", stdout=open(os.devnull, "w"))  # noqa: SIM115
    return tangerang


@pytest.fixture
def clean_cache(settings, tmp_path) -> None:
    # transaction=True tests keep the cache table between tests.
    cache.clear()
    settings.MEDIA_ROOT = tmp_path / "media"


def _signed_in(page, live_server, user) -> None:
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


def _public_pages(city: City) -> list[str]:
    client = Client()
    ticket = submit(client, city).json()["ticket"]
    feature = Feature.objects.filter(layer__slug="rumah-sakit").first()
    ogc = f"/ogc/{city.slug}"
    collection = f"{ogc}/collections/rumah-sakit"
    pages = [
        "/",
        f"/{city.slug}/",
        f"/{city.slug}/reports/",
        f"/{city.slug}/reports/t/{ticket}/",
        f"/{city.slug}/reports/console/login/",
        f"{ogc}/?f=html",
        f"{ogc}/conformance?f=html",
        f"{ogc}/api?f=html",
        f"{ogc}/collections?f=html",
        f"{collection}?f=html",
        f"{collection}/items?f=html",
        f"{collection}/items/{feature.pk}?f=html",
        f"{collection}/queryables?f=html",
        "/admin/login/",
    ]
    with contextlib.suppress(NoReverseMatch):
        pages.append(reverse("accounts:login"))
    return pages


def _staff_pages(city: City, admin) -> list[str]:
    client = Client()
    client.force_login(admin)
    geojson = (
        '{"type": "FeatureCollection", "features": [{"type": "Feature", '
        '"properties": {"nama": "Uji"}, "geometry": {"type": "Point", '
        '"coordinates": [106.63, -6.17]}}]}'
    )
    response = client.post(
        f"/{city.slug}/imports/",
        {
            "file": SimpleUploadedFile("uji.geojson", geojson.encode()),
            "mode": "create",
            "title": "Uji CSP",
            "agency": city.agencies.first().pk,
        },
    )
    job_page = response.get("Location") or f"/{city.slug}/imports/"
    report = Report.objects.filter(city=city).first()
    return [
        f"/{city.slug}/reports/console/",
        f"/{city.slug}/imports/",
        job_page,
        "/admin/",
        f"/admin/tenancy/city/{city.pk}/change/",
        f"/admin/tenancy/adminarea/{city.areas.first().pk}/change/",
        f"/admin/layers/layer/{Layer.objects.filter(city=city).first().pk}/change/",
        f"/admin/reports/report/{report.pk}/change/",
    ]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_every_page_runs_under_the_policy_without_errors(
    page, live_server, city, clean_cache, external_requests
):
    page.add_init_script(WATCH_VIOLATIONS)
    admin = UserFactory(is_staff=True, is_superuser=True)
    MembershipFactory(user=admin, city=city, role=Role.CITY_ADMIN)
    problems = {}
    public = _public_pages(city)
    staff = _staff_pages(city, admin)
    for path in public:
        seen = _visit_clean(page, live_server.url + path)
        if seen:
            problems[path] = seen
    _signed_in(page, live_server, admin)
    for path in public + staff:
        seen = _visit_clean(page, live_server.url + path)
        if seen:
            problems[f"{path} (signed in)"] = seen
    # The 403 page, to a signed-in user with no role.
    _signed_in(page, live_server, UserFactory())
    path = f"/{city.slug}/reports/console/"
    seen = _visit_clean(page, live_server.url + path, status=403)
    if seen:
        problems[f"{path} (no role)"] = seen
    assert problems == {}
    assert external_requests == []


def _visit_clean(page, url: str, status: int = 200) -> list[str]:
    errors: list[str] = []

    def on_console(message) -> None:
        if message.type == "error":
            errors.append(message.text)

    def on_error(exc) -> None:
        errors.append(str(exc))

    page.on("console", on_console)
    page.on("pageerror", on_error)
    try:
        response = page.goto(url)
        page.wait_for_load_state("networkidle")
        # Chromium reports the page's own error status as a console error.
        expected = f"status of {status}" if status != 200 else None
        problems = [e for e in errors if not expected or expected not in e]
        if response.status != status:
            problems.append(f"HTTP {response.status}")
        policy = response.headers.get("content-security-policy", "")
        if not re.search(r"script-src 'self' 'nonce-[\w-]+'", policy):
            problems.append(f"policy: {policy!r}")
        problems += [f"CSP: {v}" for v in page.evaluate("window.__csp")]
        return problems
    finally:
        page.remove_listener("console", on_console)
        page.remove_listener("pageerror", on_error)


class _Tiles(BaseHTTPRequestHandler):
    served: list[str] = []

    def do_GET(self) -> None:
        type(self).served.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.send_header("Content-Length", str(len(PNG)))
        self.end_headers()
        self.wfile.write(PNG)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def tile_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Tiles)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Tiles.served = []
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_online_basemap_tiles_are_allowed(
    page, live_server, city, clean_cache, settings, tile_server
):
    settings.BASEMAP_URL = tile_server + "/{z}/{x}/{y}.png"
    settings.BASEMAP_ATTRIBUTION = "Uji"
    page.add_init_script(WATCH_VIOLATIONS)
    assert _visit_clean(page, f"{live_server.url}/{city.slug}/") == []
    assert _Tiles.served, "the map asked the basemap server for tiles"
    loaded = page.evaluate(
        "Array.from(document.querySelectorAll('img.leaflet-tile'))"
        ".filter((i) => i.complete && i.naturalWidth > 0).length"
    )
    assert loaded > 0
