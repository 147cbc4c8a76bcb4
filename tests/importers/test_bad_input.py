"""Hostile or broken files are refused with a clear message and change nothing;
bad rows are rejected one by one with their number and reason."""

from __future__ import annotations

import json
import os
import stat
import zipfile

import geopandas as gpd
import pytest
from shapely.geometry import Point, Polygon

from importers.errors import ImportFailed
from importers.report import rejected_csv
from importers.services import NewLayer, import_file
from layers.models import Feature, Layer
from tests.importers.conftest import INSIDE, write


def _fc(features: list[dict]) -> str:
    return json.dumps({"type": "FeatureCollection", "features": features})


def _feature(geometry: dict | None, **props) -> dict:
    return {"type": "Feature", "geometry": geometry, "properties": props}


def _point(x: float, y: float) -> dict:
    return {"type": "Point", "coordinates": [x, y]}


def test_zip_with_path_traversal_is_refused(tmp_path, layer):
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("../../evil.geojson", _fc([]))
    with pytest.raises(ImportFailed, match="points outside the archive"):
        import_file(archive, layer=layer)
    assert not (tmp_path.parent / "evil.geojson").exists()


def test_zip_with_a_symlink_is_refused(tmp_path, layer):
    archive = tmp_path / "link.zip"
    info = zipfile.ZipInfo("data.geojson")
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr(info, "/etc/passwd")
    with pytest.raises(ImportFailed, match="is a link"):
        import_file(archive, layer=layer)


def test_zip_bomb_is_refused(tmp_path, layer):
    archive = tmp_path / "bomb.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("bomb.geojson", b" " * (8 * 1024 * 1024))
    with pytest.raises(ImportFailed, match="zip bomb"):
        import_file(archive, layer=layer)


def test_unzipped_size_limit(tmp_path, layer, settings):
    settings.PETAKOTA_IMPORT_MAX_UNZIPPED_MB = 1
    archive = tmp_path / "big.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("big.geojson", os.urandom(2 * 1024 * 1024))
    with pytest.raises(ImportFailed, match="unpacks to more than 1 MB"):
        import_file(archive, layer=layer)


def test_upload_size_limit(tmp_path, layer, settings, points):
    settings.PETAKOTA_IMPORT_MAX_UPLOAD_MB = 0
    with pytest.raises(ImportFailed, match="the limit is 0 MB"):
        import_file(write(points, tmp_path / "p.geojson"), layer=layer)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("data.gpkg", b"nama,lat,lon\n", "is not a GeoPackage"),
        ("data.geojson", b"<html><body>404</body></html>", "is not GeoJSON"),
        ("data.zip", b"just text", "is not a zip archive"),
        ("data.shp", b"\x00\x01\x02\x03 not a shapefile", "is not a Shapefile"),
        ("data.xlsx", b"PK\x03\x04", "unsupported file type"),
        ("empty.csv", b"", "is empty"),
    ],
)
def test_file_that_is_not_what_its_name_says(tmp_path, layer, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ImportFailed, match=message):
        import_file(path, layer=layer)


def test_feature_count_limit(tmp_path, layer, settings, points):
    settings.PETAKOTA_IMPORT_MAX_FEATURES = 2
    with pytest.raises(ImportFailed, match="at most 2 are accepted"):
        import_file(write(points, tmp_path / "p.geojson"), layer=layer)
    # A CSV file's features are counted while it is read, and a value spanning lines
    # (4 lines, 3 records) neither fools nor trips the limit.
    csv = tmp_path / "p.csv"
    csv.write_text(
        'lon,lat,nama\n120.05,-4.95,"Pasar\nBaru"\n120.1,-4.9,b\n120.15,-4.85,c\n'
    )
    with pytest.raises(ImportFailed, match="more than 2 features"):
        import_file(csv, layer=layer)
    assert not layer.features.exists()
    settings.PETAKOTA_IMPORT_MAX_FEATURES = 3
    assert import_file(csv, layer=layer).inserted == 3


def test_header_only_csv_holds_no_features(tmp_path, layer):
    for text in ("lon,lat,nama\n", "lon,lat,nama\n\n\n"):
        path = tmp_path / "empty.csv"
        path.write_text(text)
        with pytest.raises(ImportFailed, match="holds no features"):
            import_file(path, layer=layer)


def test_bad_rows_are_rejected_with_number_and_reason(tmp_path, layer, settings):
    settings.PETAKOTA_IMPORT_MAX_VERTICES = 20
    circle = Point(120.05, -4.95).buffer(0.01, quad_segs=16).__geo_interface__
    bowtie = Polygon(
        [(120.05, -4.95), (120.06, -4.94), (120.06, -4.95), (120.05, -4.94)]
    ).__geo_interface__
    path = tmp_path / "rows.geojson"
    path.write_text(
        _fc(
            [
                _feature(_point(*INSIDE[0]), nama="baik"),
                _feature(None, nama="tanpa geometri"),
                _feature({"type": "Point", "coordinates": []}, nama="kosong"),
                _feature(circle, nama="terlalu rinci"),
                _feature(bowtie, nama="dasi kupu-kupu"),
            ]
        )
    )
    report = import_file(path, layer=layer)
    assert report.read == 5
    assert report.inserted == 2
    assert report.repaired == 1
    reasons = dict(report.rejected)
    assert reasons[2] == "missing geometry"
    assert reasons[3] in ("empty geometry", "missing geometry")
    assert reasons[4] == "too many vertices: 65 (at most 20 are accepted)"
    csv_text = rejected_csv(report.rejected)
    assert csv_text.splitlines()[0] == "row,reason"
    assert "2,missing geometry" in csv_text
    repaired = Feature.objects.get(layer=layer, properties__nama="dasi kupu-kupu")
    assert repaired.geom.valid


def test_report_lists_the_first_rejects_and_the_csv_holds_all(
    tmp_path, layer, monkeypatch
):
    monkeypatch.setattr("importers.services.MAX_REPORTED_REJECTS", 2)
    path = tmp_path / "banyak.geojson"
    path.write_text(
        _fc(
            [_feature(_point(*INSIDE[0]), nama="baik")]
            + [_feature(None, nama=f"tanpa {i}") for i in range(4)]
        )
    )
    full = tmp_path / "rejected.csv"
    report = import_file(path, layer=layer, rejected_csv=full)
    assert report.rejected_count == 4
    assert report.rejected == [(2, "missing geometry"), (3, "missing geometry")]
    assert report.as_dict()["rejected_count"] == 4
    assert full.read_text().splitlines() == [
        "row,reason",
        *(f"{row},missing geometry" for row in range(2, 6)),
    ]


def test_nothing_inside_the_city_is_an_error_and_changes_nothing(tmp_path, layer):
    path = tmp_path / "jauh.geojson"
    path.write_text(_fc([_feature(_point(106.6, -6.2), nama="Tangerang")]))
    with pytest.raises(ImportFailed, match="No feature lies in or near"):
        import_file(path, layer=layer)
    assert not Feature.objects.filter(layer=layer).exists()


def test_some_features_outside_the_city_warn(tmp_path, layer):
    path = tmp_path / "campur.geojson"
    path.write_text(_fc([_feature(_point(*INSIDE[0])), _feature(_point(106.6, -6.2))]))
    report = import_file(path, layer=layer)
    assert report.inserted == 2
    assert any(
        "1 of 2 features lie outside" in w and "rows 2" in w for w in report.warnings
    )


def test_a_failed_create_leaves_no_layer_behind(tmp_path, city, agency):
    path = tmp_path / "kosong.geojson"
    path.write_text(_fc([_feature(None, nama="x")]))
    with pytest.raises(ImportFailed, match="Every row was rejected"):
        import_file(
            path,
            new_layer=NewLayer(city=city, slug="gagal", title="Gagal", agency=agency),
            mode="create",
        )
    assert not Layer.objects.filter(city=city, slug="gagal").exists()


def test_schema_mismatch_rejects_rows_or_refuses_columns(tmp_path, layer):
    layer.schema = [{"name": "jumlah", "type": "integer", "label": "Jumlah"}]
    layer.save()
    path = tmp_path / "angka.csv"
    path.write_text(
        "jumlah,lat,lon\n12,-4.95,120.05\ndua belas,-4.9,120.1\n 7 ,-4.9,120.1\n"
    )
    report = import_file(path, layer=layer)
    assert report.inserted == 2
    assert report.rejected == [
        (2, "column 'jumlah': 'dua belas' is not a whole number")
    ]
    values = sorted(f.properties["jumlah"] for f in Feature.objects.filter(layer=layer))
    assert values == [7, 12]
    other = tmp_path / "lain.csv"
    other.write_text("warna,lat,lon\nmerah,-4.95,120.05\n")
    with pytest.raises(ImportFailed, match="Columns not in the layer's schema: warna"):
        import_file(other, layer=layer)


def test_unknown_epsg_code_is_refused(tmp_path, layer, points):
    from importers.formats import ReadOptions

    with pytest.raises(ImportFailed, match="EPSG:999999"):
        import_file(
            write(points, tmp_path / "p.geojson"),
            layer=layer,
            options=ReadOptions(srid=999999),
        )


def test_invalid_polygons_are_repaired_in_a_projected_file_too(tmp_path, layer):
    """A file in UTM is reprojected first, then every row is checked in PostGIS."""
    bowtie = Polygon(
        [(120.05, -4.95), (120.06, -4.94), (120.06, -4.95), (120.05, -4.94)]
    )
    square = Polygon([(120.1, -4.9), (120.11, -4.9), (120.11, -4.89), (120.1, -4.89)])
    frame = gpd.GeoDataFrame(
        {"nama": ["dasi", "kotak"]}, geometry=[bowtie, square], crs="EPSG:4326"
    ).to_crs(32751)
    report = import_file(write(frame, tmp_path / "utm.gpkg"), layer=layer)
    assert (report.inserted, report.repaired) == (2, 1)
    assert all(f.geom.valid for f in Feature.objects.filter(layer=layer))
