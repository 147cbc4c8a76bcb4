"""Vector tiles: decoded like a client, cached, invalidated by edits, aggregated when
dense, and never served for layers the user may not see."""

from __future__ import annotations

import json
import math

import mapbox_vector_tile
import pytest
from django.contrib.gis.geos import Point

from layers.engine import tiles
from layers.models import Feature, Layer, TileCache, Visibility

pytestmark = pytest.mark.django_db


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int, int]:
    n = 1 << z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return z, x, y


def decode(content: bytes) -> dict:
    return mapbox_vector_tile.decode(content)


def test_tile_has_layer_features_and_only_tile_properties(client, tangerang):
    feature = Feature.objects.filter(layer__slug="rumah-sakit").first()
    z, x, y = tile_of(feature.geom.x, feature.geom.y, 15)
    response = client.get(f"/tiles/kota-tangerang/rumah-sakit/{z}/{x}/{y}.mvt")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.mapbox-vector-tile"
    assert response["ETag"]
    assert "must-revalidate" in response["Cache-Control"]
    layer = decode(response.content)["rumah-sakit"]
    ids = {f["id"] for f in layer["features"]}
    assert feature.pk in ids
    props = next(f for f in layer["features"] if f["id"] == feature.pk)["properties"]
    assert props["name"] == feature.properties["name"]


def test_second_request_is_cached_and_edit_invalidates(client, tangerang):
    feature = Feature.objects.filter(layer__slug="pasar").first()
    z, x, y = tile_of(feature.geom.x, feature.geom.y, 16)
    url = f"/tiles/kota-tangerang/pasar/{z}/{x}/{y}.mvt"
    first = client.get(url)
    assert first["X-Tile-Cache"] == "miss"
    second = client.get(url)
    assert second["X-Tile-Cache"] == "hit"
    assert second.content == first.content
    assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    feature.properties = {**feature.properties, "name": "Pasar Baru Sekali"}
    feature.save()
    third = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert third.status_code == 200
    assert third["X-Tile-Cache"] == "miss"
    names = {
        f["properties"]["name"] for f in decode(third.content)["pasar"]["features"]
    }
    assert "Pasar Baru Sekali" in names


def test_new_feature_appears_on_next_request(client, tangerang):
    layer = tangerang.layers.get(slug="sekolah")
    z, x, y = tile_of(106.6301, -6.1801, 16)
    url = f"/tiles/kota-tangerang/sekolah/{z}/{x}/{y}.mvt"
    before = decode(client.get(url).content).get("sekolah", {"features": []})
    Feature.objects.create(
        city=tangerang,
        layer=layer,
        geom=Point(106.6301, -6.1801, srid=4326),
        properties={"name": "Sekolah Baru"},
    )
    after = decode(client.get(url).content)["sekolah"]
    assert len(after["features"]) == len(before["features"]) + 1


def test_dense_points_are_aggregated(client, tangerang, monkeypatch):
    monkeypatch.setattr(tiles, "CLUSTER_ABOVE", 20)
    response = client.get("/tiles/kota-tangerang/sekolah/9/407/264.mvt")
    layer = decode(response.content)["sekolah"]
    counts = [f["properties"]["point_count"] for f in layer["features"]]
    total = Feature.objects.filter(layer__slug="sekolah").count()
    assert sum(counts) == total
    assert len(counts) < total


def test_internal_layer_tiles_are_hidden(client, tangerang, secret_layer):
    assert (
        client.get("/tiles/kota-tangerang/gudang-rahasia/10/815/529.mvt").status_code
        == 404
    )
    assert client.get("/tiles/kota-tangerang/gudang-rahasia.json").status_code == 404


def test_tilejson_and_ogc_tiles_metadata(client, tangerang):
    doc = json.loads(client.get("/tiles/kota-tangerang/sekolah.json").content)
    assert doc["tilejson"] == "3.0.0"
    version = tangerang.layers.get(slug="sekolah").data_version
    assert doc["tiles"][0].endswith(
        "/tiles/kota-tangerang/sekolah/{z}/{x}/{y}.mvt?v=" + str(version)
    )
    assert doc["vector_layers"][0]["id"] == "sekolah"
    base = "/ogc/kota-tangerang/collections/sekolah/tiles"
    assert json.loads(client.get(base).content)["tilesets"]
    tileset = json.loads(client.get(base + "/WebMercatorQuad").content)
    assert tileset["dataType"] == "vector"
    z, x, y = tile_of(106.63, -6.18, 12)
    ogc = client.get(f"{base}/WebMercatorQuad/{z}/{y}/{x}")
    xyz = client.get(f"/tiles/kota-tangerang/sekolah/{z}/{x}/{y}.mvt")
    assert ogc.status_code == 200
    assert ogc.content == xyz.content
    tms = json.loads(
        client.get("/ogc/kota-tangerang/tileMatrixSets/WebMercatorQuad").content
    )
    assert tms["tileMatrices"][3]["matrixWidth"] == 8


def test_versioned_tile_url_is_never_immutable(client, tangerang):
    """Any layer can turn private (or be deleted and its slug re-used): a tile is
    revalidated after a short while, never kept for a year."""
    version = tangerang.layers.get(slug="sekolah").data_version
    response = client.get(f"/tiles/kota-tangerang/sekolah/12/3261/2118.mvt?v={version}")
    control = response["Cache-Control"]
    assert "immutable" not in control
    assert "max-age=31536000" not in control
    assert control == f"public, max-age={tiles.PUBLIC_TILE_MAX_AGE_S}, must-revalidate"
    assert response["ETag"]


def test_private_layer_tiles_are_private_and_revalidated(
    admin_client, tangerang, secret_layer
):
    response = admin_client.get("/tiles/kota-tangerang/gudang-rahasia/10/815/529.mvt")
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-cache"
    assert "immutable" not in response["Cache-Control"]


def _layer_with_point(city, slug: str, name: str, visibility: str) -> Layer:
    layer = Layer.objects.create(
        city=city,
        slug=slug,
        title=slug,
        dimension="governance",
        geometry_type="Point",
        visibility=visibility,
        schema=[{"name": "name", "type": "text", "label": "Name"}],
    )
    Feature.objects.create(
        city=city, layer=layer, geom=Point(106.63, -6.18, srid=4326), properties={}
    )
    Feature.objects.filter(layer=layer).update(properties={"name": name})
    return layer


def test_recreated_layer_never_gets_the_deleted_ones_tiles_or_etags(
    client, admin_client, tangerang
):
    """An agency-only layer's cached tiles must not reach anonymous users once a
    public layer takes its slug (both start at the same data version)."""
    z, x, y = tile_of(106.63, -6.18, 14)
    url = f"/tiles/kota-tangerang/rahasia/{z}/{x}/{y}.mvt"
    old = _layer_with_point(tangerang, "rahasia", "data pribadi", Visibility.AGENCY)
    first = admin_client.get(url)
    assert first["X-Tile-Cache"] == "miss"
    assert admin_client.get(url)["X-Tile-Cache"] == "hit"
    old_version = Layer.objects.get(pk=old.pk).data_version
    old.delete()
    assert not TileCache.objects.filter(layer_id=old.pk).exists()
    assert not TileCache.objects.filter(source_key="rahasia").exists()

    new = _layer_with_point(tangerang, "rahasia", "data umum", Visibility.PUBLIC)
    assert Layer.objects.get(pk=new.pk).data_version == old_version
    response = client.get(url)
    assert response["X-Tile-Cache"] == "miss"
    assert response["ETag"] != first["ETag"]
    names = {
        f["properties"]["name"] for f in decode(response.content)["rahasia"]["features"]
    }
    assert names == {"data umum"}
    # A browser holding the old tile must not be told it is still current.
    assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200


def test_recreated_layer_gets_new_geojson_and_ogc_etags(client, tangerang):
    old = _layer_with_point(tangerang, "ulang", "lama", Visibility.PUBLIC)
    urls = [
        "/api/kota-tangerang/layers/ulang/features",
        "/ogc/kota-tangerang/collections/ulang/items",
    ]
    etags = [client.get(u)["ETag"] for u in urls]
    old.delete()
    _layer_with_point(tangerang, "ulang", "baru", Visibility.PUBLIC)
    for url, etag in zip(urls, etags, strict=True):
        response = client.get(url, HTTP_IF_NONE_MATCH=etag)
        assert response.status_code == 200, url
        assert response["ETag"] != etag


def test_sources_without_a_layer_are_cached_under_their_key(tangerang):
    """Domain sources (citizen reports) have no layer id: their key is the cache key."""
    import dataclasses

    from layers.sources import admin_area_source

    source = dataclasses.replace(
        admin_area_source(tangerang.pk, "kecamatan"), version=7
    )
    tile = tiles.parse_tile(*tile_of(106.63, -6.18, 12))
    first, hit = tiles.vector_tile(source, tile)
    assert not hit
    again, hit = tiles.vector_tile(source, tile)
    assert hit
    assert again == first
    row = TileCache.objects.get(source_key="boundaries-kecamatan")
    assert row.layer_id is None
