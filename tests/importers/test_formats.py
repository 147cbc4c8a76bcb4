"""Every supported format imports into a layer with geometry, types and CRS right."""

from __future__ import annotations

import json
import zipfile

import pytest
from django.contrib.gis.geos import Point as GeosPoint

from importers.services import NewLayer, ReadOptions, import_file
from layers.models import Feature, Layer
from tests.importers.conftest import INSIDE, write


def _features(layer: Layer) -> list[Feature]:
    return list(Feature.objects.filter(layer=layer).order_by("id"))


def _assert_points(layer: Layer, tolerance: float = 1e-7) -> None:
    got = sorted((f.geom.x, f.geom.y) for f in _features(layer))
    assert len(got) == len(INSIDE)
    for (x, y), (ex, ey) in zip(got, sorted(INSIDE), strict=True):
        assert abs(x - ex) < tolerance
        assert abs(y - ey) < tolerance


def test_geojson_creates_layer_with_inferred_schema(tmp_path, city, agency, points):
    path = write(points, tmp_path / "fasilitas.geojson")
    report = import_file(
        path,
        new_layer=NewLayer(city=city, slug="baru", title="Baru", agency=agency),
        mode="create",
    )
    layer = Layer.objects.get(city=city, slug="baru")
    assert report.layer_created
    assert (report.read, report.inserted, report.rejected) == (3, 3, [])
    assert {f["name"]: f["type"] for f in layer.schema} == {
        "kode": "text",
        "nama": "text",
        "jumlah": "integer",
        "luas": "number",
        "buka": "boolean",
    }
    assert layer.geometry_type == "Point"
    first = _features(layer)[0]
    assert first.properties == {
        "kode": "A1",
        "nama": "Puskesmas Cipondoh",
        "jumlah": 12,
        "luas": 1.5,
        "buka": True,
    }
    _assert_points(layer)


def test_geojson_sequence(tmp_path, layer, points):
    path = tmp_path / "fasilitas.geojsonl"
    frame = json.loads(points.to_json())
    path.write_text("\n".join(json.dumps(f) for f in frame["features"]) + "\n")
    report = import_file(path, layer=layer)
    assert report.format == "GeoJSONSeq"
    assert report.inserted == 3
    _assert_points(layer)


def test_zipped_shapefile_in_utm_is_reprojected(tmp_path, layer, points):
    folder = tmp_path / "shp"
    folder.mkdir()
    write(points.to_crs(32751), folder / "fasilitas.shp")
    archive = tmp_path / "fasilitas.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for part in folder.iterdir():
            zf.write(part, f"data/{part.name}")
    report = import_file(archive, layer=layer)
    assert report.format == "Shapefile"
    assert report.crs == "EPSG:32751"
    _assert_points(layer, tolerance=1e-6)
    assert _features(layer)[1].properties["nama"] == "Pasar Baru — Timur"


def test_shapefile_folder(tmp_path, layer, points):
    folder = tmp_path / "fasilitas"
    folder.mkdir()
    write(points, folder / "fasilitas.shp")
    report = import_file(folder, layer=layer)
    assert report.inserted == 3


def test_shapefile_without_cpg_in_cp1252_warns(tmp_path, layer, points):
    folder = tmp_path / "ansi"
    folder.mkdir()
    write(points, folder / "ansi.shp", encoding="cp1252")
    (folder / "ansi.cpg").unlink(missing_ok=True)
    report = import_file(folder / "ansi.shp", layer=layer)
    assert any("Windows-1252" in w for w in report.warnings)
    assert _features(layer)[1].properties["nama"] == "Pasar Baru — Timur"


def test_shapefile_without_prj_needs_an_epsg_code(tmp_path, layer, points):
    folder = tmp_path / "noprj"
    folder.mkdir()
    write(points.to_crs(32751), folder / "noprj.shp")
    (folder / "noprj.prj").unlink()
    from importers.errors import ImportFailed

    with pytest.raises(ImportFailed, match="no coordinate reference system"):
        import_file(folder / "noprj.shp", layer=layer)
    assert not Feature.objects.filter(layer=layer).exists()
    report = import_file(
        folder / "noprj.shp", layer=layer, options=ReadOptions(srid=32751)
    )
    assert report.inserted == 3
    _assert_points(layer, tolerance=1e-6)


def test_geopackage_with_several_layers_asks_which(tmp_path, layer, points, polygons):
    path = write(points, tmp_path / "data.gpkg", layer="titik")
    write(polygons, path, layer="blok")
    from importers.errors import ImportFailed

    with pytest.raises(ImportFailed, match="several layers"):
        import_file(path, layer=layer)
    report = import_file(path, layer=layer, options=ReadOptions(layer_name="blok"))
    assert report.inserted == 2
    assert report.file_layer == "blok"
    assert _features(layer)[0].geom.geom_type == "Polygon"


def test_flatgeobuf(tmp_path, layer, points):
    report = import_file(write(points, tmp_path / "f.fgb"), layer=layer)
    assert report.format == "FlatGeobuf"
    _assert_points(layer)


KML = """<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document><Folder><name>titik</name>
{placemarks}
</Folder></Document></kml>"""
PLACEMARK = (
    "<Placemark><name>{name}</name><Point><coordinates>{x},{y},15</coordinates>"
    "</Point></Placemark>"
)


def _kml() -> str:
    marks = "\n".join(
        PLACEMARK.format(name=f"Titik {i}", x=x, y=y) for i, (x, y) in enumerate(INSIDE)
    )
    return KML.format(placemarks=marks)


def test_kml_with_heights_is_flattened(tmp_path, layer):
    path = tmp_path / "titik.kml"
    path.write_text(_kml())
    report = import_file(path, layer=layer)
    assert report.inserted == 3
    _assert_points(layer)
    assert _features(layer)[0].properties["Name"] == "Titik 0"


def test_kmz(tmp_path, layer):
    path = tmp_path / "titik.kmz"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("doc.kml", _kml())
    report = import_file(path, layer=layer)
    assert report.inserted == 3


def test_gpx_waypoints(tmp_path, layer):
    points = "".join(
        f'<wpt lat="{y}" lon="{x}"><name>WP{i}</name></wpt>'
        for i, (x, y) in enumerate(INSIDE)
    )
    path = tmp_path / "jalan.gpx"
    path.write_text(
        '<?xml version="1.0"?><gpx version="1.1" creator="test" '
        f'xmlns="http://www.topografix.com/GPX/1/1">{points}</gpx>'
    )
    report = import_file(path, layer=layer)
    assert report.file_layer == "waypoints"
    assert report.inserted == 3
    assert _features(layer)[2].properties["name"] == "WP2"


@pytest.mark.parametrize(
    ("header", "row"),
    [
        ("nama,lat,lon", "{n},{y},{x}"),
        ("nama,Lintang,Bujur", "{n},{y},{x}"),
        ("nama,latitude,longitude", "{n},{y},{x}"),
        ("nama;x;y", "{n};{x};{y}"),
        ("nama,wkt", '{n},"POINT ({x} {y})"'),
    ],
)
def test_csv_coordinate_columns_detected(tmp_path, layer, header, row):
    lines = [header] + [
        row.format(n=f"T{i}", x=x, y=y) for i, (x, y) in enumerate(INSIDE)
    ]
    path = tmp_path / "titik.csv"
    path.write_text("\n".join(lines) + "\n")
    report = import_file(path, layer=layer)
    assert report.inserted == 3
    _assert_points(layer)
    assert _features(layer)[0].properties == {"nama": "T0"}


def test_csv_explicit_columns_and_latin1_fallback(tmp_path, layer):
    rows = ["nama,koord_u,koord_t"] + [
        f"Caf\xe9 {i},{y},{x}" for i, (x, y) in enumerate(INSIDE)
    ]
    path = tmp_path / "titik.csv"
    path.write_bytes("\n".join(rows).encode("cp1252"))
    report = import_file(
        path, layer=layer, options=ReadOptions(x_column="koord_t", y_column="koord_u")
    )
    assert report.inserted == 3
    assert any("not UTF-8" in w for w in report.warnings)
    assert _features(layer)[0].properties["nama"] == "Café 0"
    assert _features(layer)[0].geom.equals_exact(GeosPoint(*INSIDE[0]), 1e-9)


def test_csv_without_coordinates_is_refused(tmp_path, layer):
    path = tmp_path / "t.csv"
    path.write_text("nama,alamat\nA,Jl. Satu\n")
    from importers.errors import ImportFailed

    with pytest.raises(ImportFailed, match="no coordinate columns"):
        import_file(path, layer=layer)


def test_cli_imports_and_prints_summary(tmp_path, city, agency, points, capsys):
    from django.core.management import call_command

    path = write(points, tmp_path / "f.geojson")
    call_command(
        "import_layer",
        str(path),
        "--city",
        city.slug,
        "--layer",
        "cli",
        "--create",
        "--title",
        "Dari CLI",
        "--agency",
        agency.slug,
        "--mode",
        "upsert",
        "--key",
        "kode",
    )
    out = capsys.readouterr().out
    assert "3 read, 3 loaded (3 new" in out
    layer = Layer.objects.get(city=city, slug="cli")
    assert sorted(
        Feature.objects.filter(layer=layer).values_list("external_id", flat=True)
    ) == [
        "A1",
        "B2",
        "C3",
    ]


def test_cli_fails_with_clear_message(tmp_path, city, layer):
    from django.core.management import CommandError, call_command

    path = tmp_path / "kosong.geojson"
    path.write_text("<html>not json</html>")
    with pytest.raises(CommandError, match="is not GeoJSON"):
        call_command(
            "import_layer", str(path), "--city", city.slug, "--layer", layer.slug
        )
