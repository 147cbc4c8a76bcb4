"""GDAL as the reference client: OAPIF driver over real HTTP, GeoPackage export, MVT."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from django.contrib.gis.geos import GEOSGeometry, Polygon

from layers.models import Feature

pytestmark = [
    pytest.mark.gdal,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(shutil.which("ogrinfo") is None, reason="GDAL not installed"),
]


def run(*args: str) -> str:
    result = subprocess.run(
        args, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def oapif(live_server) -> str:
    return f"OAPIF:{live_server.url}/ogc/kota-tangerang/"


def test_ogrinfo_lists_public_collections(live_server, tangerang, secret_layer):
    out = run("ogrinfo", "-ro", "-q", oapif(live_server))
    assert "sekolah" in out
    assert "rumah-sakit" in out
    assert "gudang-rahasia" not in out


def test_ogrinfo_reads_every_feature_following_next_links(live_server, tangerang):
    total = Feature.objects.filter(layer__slug="sekolah").count()
    out = run(
        "ogrinfo",
        "-ro",
        "-al",
        "-so",
        "-oo",
        "PAGE_SIZE=20",
        oapif(live_server),
        "sekolah",
    )
    assert f"Feature Count: {total}" in out
    full = run(
        "ogrinfo",
        "-ro",
        "-oo",
        "PAGE_SIZE=20",
        "-geom=NO",
        oapif(live_server),
        "sekolah",
    )
    assert full.count("OGRFeature(sekolah)") == total


def test_ogrinfo_spat_filters_by_bbox(live_server, tangerang):
    bbox = (106.60, -6.20, 106.64, -6.16)
    expected = Feature.objects.filter(
        layer__slug="sekolah", geom__intersects=Polygon.from_bbox(bbox)
    ).count()
    out = run(
        "ogrinfo",
        "-ro",
        "-geom=NO",
        "-spat",
        *map(str, bbox),
        oapif(live_server),
        "sekolah",
    )
    assert 0 < out.count("OGRFeature(sekolah)") == expected


def test_ogr2ogr_gpkg_has_same_features_as_database(live_server, tangerang, tmp_path):
    target = tmp_path / "sekolah.gpkg"
    run(
        "ogr2ogr",
        "-f",
        "GPKG",
        str(target),
        oapif(live_server),
        "sekolah",
        "-oo",
        "PAGE_SIZE=25",
    )
    geojson = tmp_path / "back.geojson"
    run("ogr2ogr", "-f", "GeoJSON", str(geojson), str(target), "sekolah")
    features = json.loads(geojson.read_text())["features"]
    db = Feature.objects.filter(layer__slug="sekolah")
    assert len(features) == db.count()

    def key(geom: GEOSGeometry) -> tuple[float, float]:
        return (round(geom.x, 6), round(geom.y, 6))

    exported = sorted(
        key(GEOSGeometry(json.dumps(f["geometry"]), srid=4326)) for f in features
    )
    assert exported == sorted(key(f.geom) for f in db)


def test_gdal_mvt_driver_decodes_tile(live_server, tangerang, tmp_path):
    import urllib.request

    url = f"{live_server.url}/tiles/kota-tangerang/sekolah/12/3261/2118.mvt"
    path: Path = tmp_path / "tile.mvt"
    with urllib.request.urlopen(url) as response:  # live_server on 127.0.0.1
        path.write_bytes(response.read())
    out = run(
        "ogrinfo",
        "-ro",
        "-al",
        "-oo",
        "X=3261",
        "-oo",
        "Y=2118",
        "-oo",
        "Z=12",
        f"MVT:{path}",
    )
    assert "Layer name: sekolah" in out
    assert "name (String)" in out
    assert "OGRFeature(sekolah)" in out
