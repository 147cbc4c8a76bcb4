"""Issue 10, open data: the OGC API's HTML pages in Chromium, in Indonesian and
English. A collection page offers every download format (each one downloads) with
the licence and attribution; the item list is a real attribute table; queryables
render; no page has a 404 of its own assets or a console error."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FORMATS = {"geojson", "csv", "gpkg", "shp", "kml"}
WORDS = {
    "id": {"download": "Unduh", "licence": "Lisensi", "attribution": "Atribusi"},
    "en": {"download": "Download", "licence": "Licence", "attribution": "Attribution"},
}


@pytest.mark.parametrize("language", ["id", "en"])
def test_collection_pages_offer_downloads_licence_and_a_table(
    page, live_server, tangerang, language
):
    base = live_server.url
    page.context.add_cookies(
        [{"name": "django_language", "value": language, "url": base}]
    )
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
        "console",
        lambda m: problems.append(f"console: {m.text}") if m.type == "error" else None,
    )
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    words = WORDS[language]
    ogc = f"{base}/ogc/{tangerang.slug}"

    page.goto(f"{ogc}/collections/sekolah?f=html")
    assert page.locator("#downloads-title").inner_text() == words["download"]
    links = page.locator(".download-list a")
    found = {links.nth(i).get_attribute("data-format") for i in range(links.count())}
    assert found == FORMATS
    for i in range(links.count()):
        href = links.nth(i).get_attribute("href")
        response = page.request.get(href)
        assert response.status == 200, href
        assert len(response.body()) > 0, href
    terms = page.locator(".terms").inner_text()
    assert words["licence"] in terms
    assert words["attribution"] in terms
    assert page.locator(".licence").inner_text() == "ODbL 1.0"
    assert "OpenStreetMap" in page.locator(".attribution").inner_text()

    page.goto(f"{ogc}/collections/sekolah/items?f=html&limit=20")
    page.wait_for_selector("#ogc-map .leaflet-overlay-pane path", state="attached")
    headers = page.locator("table.attributes thead th")
    assert headers.count() > 2  # id and one column per attribute
    names = [headers.nth(i).get_attribute("data-name") for i in range(headers.count())]
    assert "name" in names
    rows = page.locator("table.attributes tbody tr")
    assert rows.count() == 20
    assert rows.first.locator("td").count() == headers.count() - 1

    page.goto(f"{ogc}/collections/boundaries-kecamatan?f=html")
    assert page.locator(".download-list a").count() == 1

    for path in (
        "?f=html",
        "/collections?f=html",
        "/collections/sekolah/queryables?f=html",
        "/collections/boundaries-kecamatan/queryables?f=html",
    ):
        response = page.goto(ogc + path)
        assert response.status == 200, path
        assert page.locator("html").get_attribute("lang") == language
    assert problems == []
