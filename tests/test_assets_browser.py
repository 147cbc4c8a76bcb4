"""Every page of the platform, served as in production (hashed static file names from
collectstatic with the manifest storage, served by WhiteNoise), loads in Chromium at a
phone and a desktop viewport with no 404 of its own assets and no console error: the
map pins (1x and 2x icons), scripts, styles, fonts and images all resolve."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.test.testcases import LiveServerThread

from layers.models import Feature, Layer
from reports.models import Report
from tenancy.models import Agency, Role
from tests.factories import MembershipFactory, UserFactory
from tests.layers.archives import png, tile_range, write_mbtiles

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

INSIDE = (106.6318, -6.1729)  # Kelurahan Sukarasa, Kota Tangerang
PHONE = {"viewport": {"width": 360, "height": 740}, "device_scale_factor": 2}
DESKTOP = {"viewport": {"width": 1280, "height": 800}, "device_scale_factor": 1}


@pytest.fixture
def production_server(tmp_path, settings) -> Iterator[str]:
    """A live server whose static files are what collectstatic makes in production,
    served by WhiteNoise (the test server's own static handler would find the source
    files by their unhashed names and hide a wrong URL)."""
    settings.STATIC_ROOT = str(tmp_path / "static")
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {
            "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        },
    }
    call_command("collectstatic", "--noinput", verbosity=0)
    thread = LiveServerThread("127.0.0.1", static_handler=lambda app: app)
    thread.daemon = True
    thread.start()
    thread.is_ready.wait()
    if thread.error:
        raise thread.error
    yield f"http://127.0.0.1:{thread.port}"
    thread.terminate()


def session_cookie(user, url: str) -> dict:
    client = Client()
    client.force_login(user)
    return {
        "name": settings.SESSION_COOKIE_NAME,
        "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
        "url": url,
    }


def platform_pages(city, admin) -> list[tuple[str, str]]:
    """(path, selector that shows the page is drawn) for every kind of page."""
    call_command("seed_report_categories", stdout=open(os.devnull, "w"))  # noqa: SIM115
    client = Client()
    response = client.post(
        f"/api/{city.slug}/reports/",
        {
            "client_uuid": str(uuid.uuid4()),
            "category": "jalan-rusak",
            "description": "Lubang di jalan",
            "answers": '{"ukuran": "besar"}',
            "lon": INSIDE[0],
            "lat": INSIDE[1],
        },
    )
    assert response.status_code == 201, response.content
    ticket = response.json()["ticket"]
    staff = Client()
    staff.force_login(admin)
    upload = staff.post(
        f"/{city.slug}/imports/",
        {
            "file": _geojson_upload(),
            "mode": "create",
            "title": "Titik uji",
            "agency": Agency.objects.filter(city=city).order_by("pk").first().pk,
        },
    )
    assert upload.status_code == 302, upload.content.decode()[:2000]
    layer = (
        Layer.objects.filter(city=city, visibility="public", features__isnull=False)
        .order_by("slug")
        .first()
    )
    feature = Feature.objects.filter(layer=layer).order_by("pk").first()
    ogc = f"/ogc/{city.slug}"
    collection = f"{ogc}/collections/{layer.slug}"
    return [
        ("/", ".cards"),
        (f"/{city.slug}/", "#map .leaflet-overlay-pane path"),
        (f"/{city.slug}/reports/", "#pick-map .leaflet-marker-icon"),
        (f"/{city.slug}/reports/t/{ticket}/", "#track-map .leaflet-marker-icon"),
        (f"/{city.slug}/reports/console/", "#console-map"),
        (f"/{city.slug}/imports/", "#upload-form"),
        (upload["Location"], "#preview-map"),
        (f"{ogc}/?f=html", "main"),
        (f"{ogc}/collections?f=html", "main"),
        (f"{collection}?f=html", "main"),
        (f"{collection}/items?f=html", "#ogc-map"),
        (f"{collection}/items/{feature.pk}?f=html", "#ogc-map"),
        (f"{collection}/queryables?f=html", "main"),
        (f"{ogc}/conformance?f=html", "main"),
        (f"{ogc}/api?f=html", "main"),
        ("/accounts/login/", "main"),
        ("/admin/", "#content"),
        (f"/admin/tenancy/city/{city.pk}/change/", ".leaflet-container"),
        (
            f"/admin/reports/report/{Report.objects.get(ticket=ticket).pk}/change/",
            ".leaflet-marker-icon",
        ),
    ]


def _geojson_upload():
    from django.core.files.uploadedfile import SimpleUploadedFile

    body = (
        '{"type": "FeatureCollection", "features": [{"type": "Feature", '
        '"properties": {"nama": "A"}, "geometry": {"type": "Point", '
        f'"coordinates": [{INSIDE[0]}, {INSIDE[1]}]}}}}]}}'
    )
    return SimpleUploadedFile("titik.geojson", body.encode(), "application/geo+json")


@pytest.mark.parametrize(
    ("device", "signed_in"),
    [(PHONE, False), (PHONE, True), (DESKTOP, True)],
    ids=["phone-citizen", "phone-staff", "desktop-staff"],
)
def test_every_page_loads_every_asset_with_hashed_static_names(
    browser, production_server, tangerang, device, signed_in, tmp_path, settings
):
    # A basemap archive too: its tiles are the pages' own assets.
    tiles = {
        (z, x, y): png((240, 238, 230))
        for z in range(10, 14)
        for x, y in tile_range((106.55, -6.27, 106.73, -6.09), z)
    }
    settings.BASEMAP_ARCHIVE = str(write_mbtiles(tmp_path / "city.mbtiles", tiles))
    admin = UserFactory(username="kota-admin", is_staff=True, is_superuser=True)
    MembershipFactory(user=admin, city=tangerang, role=Role.CITY_ADMIN)
    pages = platform_pages(tangerang, admin)

    base = production_server
    context = browser.new_context(**device)
    if signed_in:
        context.add_cookies([session_cookie(admin, base)])
    else:  # the public pages, as a citizen sees them
        staff_only = ("/console/", "/imports/", "/admin/")
        pages = [(p, r) for p, r in pages if not any(s in p for s in staff_only)]
    context.grant_permissions(["geolocation"], origin=base)
    context.set_geolocation({"longitude": INSIDE[0], "latitude": INSIDE[1]})
    page = context.new_page()
    problems: list[str] = []
    page.on(
        "response",
        lambda r: (
            problems.append(f"{r.status} {r.url}")
            if r.url.startswith(base) and r.status >= 400
            else None
        ),
    )
    page.on(
        "requestfailed",
        lambda r: (
            problems.append(f"failed {r.url} {r.failure}")
            if "ERR_ABORTED" not in (r.failure or "")
            else None
        ),
    )
    page.on(
        "console",
        lambda m: problems.append(f"console: {m.text}") if m.type == "error" else None,
    )
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    for path, ready in pages:
        page.goto(base + path)
        page.wait_for_selector(ready, state="attached")
        page.wait_for_load_state("networkidle")
        broken = page.evaluate(
            "[...document.images].filter((i) => i.complete && i.naturalWidth === 0)"
            ".map((i) => i.src)"
        )
        problems.extend(f"broken image {src} on {path}" for src in broken)
        # Every map has the configured street basemap under it.
        bare = page.evaluate(
            "[...document.querySelectorAll('.leaflet-container')]"
            ".filter((m) => !m.querySelector('.petakota-basemap')).map((m) => m.id)"
        )
        problems.extend(f"no basemap under #{name} on {path}" for name in bare)
    # The pin really is drawn from the hashed file (2x on the phone's screen).
    page.goto(f"{base}/{tangerang.slug}/reports/")
    pin = page.locator("#pick-map img.leaflet-marker-icon")
    pin.wait_for()
    src = pin.get_attribute("src")
    wanted = "marker-icon-2x." if device is PHONE else "marker-icon."
    assert wanted in src
    assert page.evaluate("(i) => i.naturalWidth", pin.element_handle()) > 0
    context.close()
    assert problems == [], "\n".join(problems)


def fully_visible(page, selector: str) -> bool:
    """The element is inside the viewport, not clipped by its header and not covered
    (the topmost element at its corners is the element itself)."""
    return page.evaluate(
        """(sel) => {
          const e = document.querySelector(sel);
          if (!e) return false;
          const r = e.getBoundingClientRect();
          if (!r.width || r.left < 0 || r.top < 0 || r.right > innerWidth) return false;
          const h = e.closest("header").getBoundingClientRect();
          if (r.right > h.right + 0.5 || r.bottom > h.bottom + 0.5) return false;
          return [[r.left + 2, r.top + 2], [r.right - 2, r.bottom - 2]].every(
            ([x, y]) => e.contains(document.elementFromPoint(x, y)));
        }""",
        selector,
    )


@pytest.mark.parametrize("language", ["id", "en"])
def test_phone_header_shows_language_buttons_and_sign_in(
    browser, live_server, tangerang, language
):
    call_command("seed_report_categories", stdout=open(os.devnull, "w"))  # noqa: SIM115
    admin = UserFactory(username="kota-admin-dengan-nama-panjang")
    MembershipFactory(user=admin, city=tangerang, role=Role.CITY_ADMIN)
    paths = ["/", f"/{tangerang.slug}/", f"/{tangerang.slug}/reports/"]
    for signed_in in (False, True):
        context = browser.new_context(viewport={"width": 360, "height": 740})
        context.add_cookies(
            [{"name": "django_language", "value": language, "url": live_server.url}]
        )
        if signed_in:
            context.add_cookies([session_cookie(admin, live_server.url)])
        page = context.new_page()
        account = "#sign-out" if signed_in else "#sign-in"
        for path in paths + ([f"/{tangerang.slug}/reports/console/"] * signed_in):
            page.goto(live_server.url + path)
            for selector in ("[data-lang=en]", "[data-lang=id]", account):
                assert fully_visible(page, selector), (path, selector, signed_in)
            assert page.evaluate(
                "document.documentElement.scrollWidth <= innerWidth"
            ), path
        context.close()
