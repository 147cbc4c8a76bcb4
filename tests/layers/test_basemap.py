"""The self-hosted basemap: an MBTiles or PMTiles archive the test builds, served at
/basemap/{z}/{x}/{y}.{ext} (TMS rows flipped, content types, caching), and drawn
under the city map in Chromium (raster tiles, and vector tiles in a street style)."""

from __future__ import annotations

import gzip
import io
import json

import mapbox_vector_tile
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from PIL import Image
from pmtiles.tile import Compression, TileType

from tests.layers.archives import (
    png,
    street_tile,
    tile_range,
    write_mbtiles,
    write_pmtiles,
)

RED, BLUE = (220, 30, 30), (30, 30, 220)
# Kota Tangerang's bbox (a little wider).
BBOX = (106.55, -6.27, 106.73, -6.09)


def colour_of(body: bytes) -> tuple[int, int, int]:
    return Image.open(io.BytesIO(body)).convert("RGB").getpixel((10, 10))


@pytest.fixture
def mbtiles(tmp_path, settings):
    # Zoom 3, column 6: the XYZ row 4 is TMS row 3, and the other way round.
    path = write_mbtiles(
        tmp_path / "city.mbtiles", {(3, 6, 4): png(RED), (3, 6, 3): png(BLUE)}
    )
    settings.BASEMAP_ARCHIVE = str(path)
    return path


def test_mbtiles_rows_are_flipped_from_tms(mbtiles):
    response = Client().get("/basemap/3/6/4.png")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert colour_of(response.content) == RED
    assert colour_of(Client().get("/basemap/3/6/3.png").content) == BLUE


def test_tiles_are_cached_and_revalidated(mbtiles):
    response = Client().get("/basemap/3/6/4.png")
    assert "public" in response["Cache-Control"]
    assert "max-age=" in response["Cache-Control"]
    again = Client().get("/basemap/3/6/4.png", HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304
    # A new archive under the same name gets new ETags.
    write_mbtiles(mbtiles.with_name("new.mbtiles"), {(3, 6, 4): png(BLUE)})
    mbtiles.unlink()
    mbtiles.with_name("new.mbtiles").rename(mbtiles)
    fresh = Client().get("/basemap/3/6/4.png", HTTP_IF_NONE_MATCH=response["ETag"])
    assert fresh.status_code == 200
    assert colour_of(fresh.content) == BLUE


def test_missing_tile_is_transparent_and_wrong_requests_are_not_found(mbtiles):
    empty = Client().get("/basemap/3/5/4.png")
    assert empty.status_code == 200
    assert (
        Image.open(io.BytesIO(empty.content)).convert("RGBA").getpixel((0, 0))[3] == 0
    )
    assert Client().get("/basemap/3/6/4.jpg").status_code == 404  # not its format
    assert Client().get("/basemap/3/8/4.png").status_code == 404  # x beyond 2^z
    assert Client().get("/basemap/40/0/0.png").status_code == 404
    assert Client().post("/basemap/3/6/4.png").status_code == 405


def test_no_archive_configured_serves_nothing(settings):
    settings.BASEMAP_ARCHIVE = ""
    assert Client().get("/basemap/3/6/4.png").status_code == 404
    settings.BASEMAP_ARCHIVE = "/nonexistent/city.mbtiles"
    assert Client().get("/basemap/3/6/4.png").status_code == 404


def map_config() -> dict:
    body = Client().get("/basemap/config.js").content.decode()
    prefix = "window.PetaKotaMapConfig = "
    assert body.startswith(prefix)
    return json.loads(body[len(prefix) :].rstrip().rstrip(";"))


def test_map_config_names_the_archive_and_icons(mbtiles):
    config = map_config()
    assert config["basemap"]["kind"] == "raster"
    assert config["basemap"]["url"] == "/basemap/{z}/{x}/{y}.png"
    assert config["basemap"]["attribution"] == "© Test streets"
    assert config["icons"]["iconRetinaUrl"].endswith("marker-icon-2x.png")


def test_pmtiles_vector_tiles_are_served_gzip_or_plain(tmp_path, settings):
    path = write_pmtiles(
        tmp_path / "city.pmtiles",
        {(3, 6, 4): street_tile()},
        TileType.MVT,
        BBOX,
        Compression.GZIP,
    )
    settings.BASEMAP_ARCHIVE = str(path)
    gz = Client().get("/basemap/3/6/4.pbf", HTTP_ACCEPT_ENCODING="gzip, br")
    assert gz.status_code == 200
    assert gz["Content-Type"] == "application/x-protobuf"
    assert gz["Content-Encoding"] == "gzip"
    layers = mapbox_vector_tile.decode(gzip.decompress(gz.content))
    assert set(layers) == {"transportation", "water"}
    plain = Client().get("/basemap/3/6/4.pbf", HTTP_ACCEPT_ENCODING="identity")
    assert not plain.has_header("Content-Encoding")
    assert set(mapbox_vector_tile.decode(plain.content)) == {"transportation", "water"}
    assert Client().get("/basemap/3/6/5.pbf").status_code == 204
    config = map_config()
    assert config["basemap"]["kind"] == "vector"
    assert config["basemap"]["attribution"] == "© Test vector streets"


def test_pmtiles_raster(tmp_path, settings):
    path = write_pmtiles(
        tmp_path / "city.pmtiles", {(3, 6, 4): png(RED)}, TileType.PNG, BBOX
    )
    settings.BASEMAP_ARCHIVE = str(path)
    response = Client().get("/basemap/3/6/4.png")
    assert response["Content-Type"] == "image/png"
    assert colour_of(response.content) == RED


def test_archive_setting_must_name_an_archive(monkeypatch):
    import importlib

    import gis_platform.settings as module

    monkeypatch.setenv("PETAKOTA_BASEMAP_ARCHIVE", "/srv/city.zip")
    with pytest.raises(ImproperlyConfigured):
        importlib.reload(module)
    monkeypatch.delenv("PETAKOTA_BASEMAP_ARCHIVE")
    importlib.reload(module)


@pytest.fixture
def basemap_failures(page) -> list[str]:
    """Basemap and static requests that did not succeed."""
    failed: list[str] = []

    def check(response) -> None:
        if ("/basemap/" in response.url or "/static/" in response.url) and (
            response.status >= 400
        ):
            failed.append(f"{response.status} {response.url}")

    page.on("response", check)
    page.on("requestfailed", lambda request: failed.append(f"failed {request.url}"))
    return failed


def city_tiles(fn) -> dict[tuple[int, int, int], bytes]:
    return {(z, x, y): fn() for z in range(10, 14) for x, y in tile_range(BBOX, z)}


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_city_map_draws_raster_archive_under_the_boundaries(
    page,
    live_server,
    tangerang,
    tmp_path,
    settings,
    basemap_failures,
    external_requests,
):
    tile = png(RED)
    path = write_mbtiles(
        tmp_path / "city.mbtiles", city_tiles(lambda: tile), bounds=BBOX
    )
    settings.BASEMAP_ARCHIVE = str(path)
    page.goto(f"{live_server.url}/{tangerang.slug}/")
    tiles = page.locator(".petakota-basemap img.leaflet-tile-loaded")
    tiles.first.wait_for()
    assert "/basemap/" in tiles.first.get_attribute("src")
    assert page.evaluate(
        "[...document.querySelectorAll('.petakota-basemap img')]"
        ".every((i) => i.complete && i.naturalWidth === 256)"
    )
    expect_attribution = page.locator(".leaflet-control-attribution")
    assert "© Test streets" in expect_attribution.text_content()
    assert basemap_failures == []
    assert external_requests == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_submit_map_draws_vector_archive_as_streets(
    page, live_server, tangerang, tmp_path, settings, basemap_failures
):
    path = write_pmtiles(
        tmp_path / "city.pmtiles",
        city_tiles(street_tile),
        TileType.MVT,
        BBOX,
        Compression.GZIP,
    )
    settings.BASEMAP_ARCHIVE = str(path)
    page.goto(f"{live_server.url}/{tangerang.slug}/reports/")
    canvas = page.locator(".petakota-basemap canvas")
    canvas.first.wait_for()
    # Some tile shows the road's colour (the style's major road) and the water's.
    page.wait_for_function(
        """() => [...document.querySelectorAll('.petakota-basemap canvas')]
           .some((c) => {
             const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
             const is = (i, r, g, b) => d[i] === r && d[i + 1] === g && d[i + 2] === b;
             let road = false, water = false;
             for (let i = 0; i < d.length; i += 4) {
               road = road || is(i, 0xf4, 0xc5, 0x6b);
               water = water || is(i, 0xaa, 0xd3, 0xdf);
             }
             return road && water;
           })"""
    )
    assert basemap_failures == []
