"""Exports in every format, visibility, and the round trip import/export/import."""

from __future__ import annotations

import csv
import io
import json
import zipfile

import pytest
from django.contrib.gis.geos import GEOSGeometry

from importers.services import NewLayer, import_file
from layers.models import Feature, Layer, Visibility
from tests.factories import UserFactory
from tests.importers.conftest import write


@pytest.fixture
def loaded(tmp_path, city, agency, polygons):
    """A polygon layer with typed attributes, imported from a GeoPackage."""
    frame = polygons.assign(jumlah=[4, 9], luas=[0.5, 1.25], aktif=[True, False])
    frame["tanggal"] = ["2024-01-05", "2024-02-29"]
    path = write(frame, tmp_path / "blok.gpkg")
    import_file(
        path,
        new_layer=NewLayer(city=city, slug="blok", title="Blok", agency=agency),
        mode="create",
    )
    return Layer.objects.get(city=city, slug="blok")


def _url(layer: Layer, fmt: str, **params: str) -> str:
    query = "&".join(f"{k}={v}" for k, v in {"format": fmt, **params}.items())
    return f"/api/{layer.city.slug}/layers/{layer.slug}/export?{query}"


def _body(response) -> bytes:
    if hasattr(response, "streaming_content"):
        return b"".join(
            c if isinstance(c, bytes) else c.encode()
            for c in response.streaming_content
        )
    return response.content


def _snapshot(layer: Layer) -> list[tuple[dict, GEOSGeometry]]:
    return [
        (f.properties, f.geom)
        for f in Feature.objects.filter(layer=layer).order_by("properties__kode")
    ]


@pytest.mark.parametrize(
    ("fmt", "content_type", "ext"),
    [
        ("geojson", "application/geo+json", ".geojson"),
        ("csv", "text/csv; charset=utf-8", ".csv"),
        ("gpkg", "application/geopackage+sqlite3", ".gpkg"),
        ("shp", "application/zip", ".zip"),
        ("kml", "application/vnd.google-earth.kml+xml", ".kml"),
    ],
)
def test_round_trip_through_every_format(
    client, tmp_path, city, agency, loaded, fmt, content_type, ext
):
    response = client.get(_url(loaded, fmt))
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert f'filename="{city.slug}-blok-' in response["Content-Disposition"]
    assert response["Content-Disposition"].endswith(f'{ext}"')
    path = tmp_path / f"export{ext}"
    path.write_bytes(_body(response))

    again = import_file(
        path,
        new_layer=NewLayer(city=city, slug=f"lagi-{fmt}", title="Lagi", agency=agency),
        mode="create",
    )
    copy = Layer.objects.get(city=city, slug=f"lagi-{fmt}")
    assert again.loaded == 2
    assert again.rejected == []
    # The exported identity column never becomes an attribute of the copy.
    assert not {"external_id", "external_i"} & {f["name"] for f in copy.schema}
    before, after = _snapshot(loaded), _snapshot(copy)
    for (props_a, geom_a), (props_b, geom_b) in zip(before, after, strict=True):
        assert geom_a.equals_exact(geom_b, 1e-6) or geom_a.equals(geom_b)
        for name in ("kode", "nama"):
            assert props_a[name] == props_b[name]
        if fmt in ("geojson", "gpkg", "csv", "shp"):
            assert props_b["jumlah"] == props_a["jumlah"]
            assert props_b["luas"] == props_a["luas"]
            assert str(props_b["tanggal"])[:10] == props_a["tanggal"]


def test_csv_latlon_export_round_trips_points(
    client, tmp_path, city, agency, layer, points
):
    import_file(write(points, tmp_path / "p.geojson"), layer=layer)
    body = _body(client.get(_url(layer, "csv", coords="latlon")))
    rows = list(csv.DictReader(io.StringIO(body.decode())))
    assert [r["kode"] for r in rows] == ["A1", "B2", "C3"]
    assert float(rows[0]["lat"]) == pytest.approx(-4.95)
    path = tmp_path / "titik.csv"
    path.write_bytes(body)
    report = import_file(
        path, new_layer=NewLayer(city=city, slug="csv2", title="x", agency=agency)
    )
    assert report.loaded == 3


def test_export_filters_by_bbox_and_attribute(client, loaded):
    data = json.loads(_body(client.get(_url(loaded, "geojson", kode="P2"))))
    assert [f["properties"]["kode"] for f in data["features"]] == ["P2"]
    data = json.loads(
        _body(client.get(_url(loaded, "geojson", bbox="120.0,-5.0,120.07,-4.93")))
    )
    assert [f["properties"]["kode"] for f in data["features"]] == ["P1"]
    assert client.get(_url(loaded, "geojson", tidak_ada="x")).status_code == 400
    assert client.get(_url(loaded, "xlsx")).status_code == 400


def test_export_respects_visibility(client, loaded):
    loaded.visibility = Visibility.AGENCY
    loaded.save()
    assert client.get(_url(loaded, "geojson")).status_code == 404
    stranger = UserFactory()
    client.force_login(stranger)
    assert client.get(_url(loaded, "gpkg")).status_code == 404


def test_shapefile_export_is_a_complete_zip(client, loaded):
    archive = zipfile.ZipFile(io.BytesIO(_body(client.get(_url(loaded, "shp")))))
    names = sorted(archive.namelist())
    assert {"blok.shp", "blok.shx", "blok.dbf", "blok.prj", "blok.cpg"} <= set(names)


def test_export_command_writes_a_file_that_upserts_as_unchanged(tmp_path, loaded):
    from django.core.management import call_command

    gpkg = tmp_path / "first.gpkg"
    call_command(
        "export_layer",
        "--city",
        loaded.city.slug,
        "--layer",
        "blok",
        "-o",
        str(gpkg),
        "--format",
        "gpkg",
    )
    # Give the features identities (external_id = kode), then export them again.
    keyed = import_file(gpkg, layer=loaded, mode="replace", key="kode")
    assert (keyed.inserted, keyed.deleted) == (2, 2)
    target = tmp_path / "out.gpkg"
    call_command(
        "export_layer",
        "--city",
        loaded.city.slug,
        "--layer",
        "blok",
        "-o",
        str(target),
        "--format",
        "gpkg",
    )
    version = Layer.objects.get(pk=loaded.pk).data_version
    report = import_file(target, layer=loaded, mode="upsert", key="external_id")
    assert (report.inserted, report.updated, report.unchanged) == (0, 0, 2)
    assert Layer.objects.get(pk=loaded.pk).data_version == version
