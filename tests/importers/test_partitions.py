"""Whole-layer imports above PETAKOTA_IMPORT_PARTITION_ROWS load into a partition of the
layer's own, indexed after the load, and swap it in inside the import's transaction."""

from __future__ import annotations

import json

import pytest
from django.db import connection

from importers.errors import ImportFailed
from importers.services import NewLayer, import_file
from layers import partitions
from layers.models import Feature, Layer
from tests.http import body
from tests.importers.conftest import write

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _partition_every_whole_layer_import(settings):
    settings.PETAKOTA_IMPORT_PARTITION_ROWS = 1


def _own(layer: Layer) -> list[str]:
    with connection.cursor() as cursor:
        return partitions.layer_partitions(cursor, layer.pk)


def _indexes(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_index WHERE indrelid = %s::regclass", [table]
        )
        return cursor.fetchone()[0]


def _stray_tables() -> list[str]:
    """Tables named like a layer partition that are not attached."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname FROM pg_class c WHERE relkind = 'r' AND relname LIKE "
            "'layers\\_feature\\_l%%' AND NOT relispartition"
        )
        return [r for (r,) in cursor.fetchall()]


def test_create_gets_an_indexed_partition_of_its_own(
    tmp_path, client, city, agency, points
):
    report = import_file(
        write(points, tmp_path / "p.geojson"),
        new_layer=NewLayer(city=city, slug="baru", title="Baru", agency=agency),
        mode="create",
    )
    layer = Layer.objects.get(city=city, slug="baru")
    (own,) = _own(layer)
    # Every index of the parent was adopted, none built twice.
    assert _indexes(own) == _indexes(partitions.PARENT)
    assert report.inserted == 3
    assert layer.data_version >= 1
    assert Feature.objects.filter(layer=layer).count() == 3
    # The serving engine reads it like any layer.
    response = client.get(f"/api/{city.slug}/layers/{layer.slug}/features")
    assert response.status_code == 200
    assert "Puskesmas Cipondoh" in body(response).decode()
    near = client.get(
        f"/api/{city.slug}/layers/{layer.slug}/nearest?lon=120.05&lat=-4.95&n=1"
    )
    assert near.status_code == 200
    assert "Puskesmas Cipondoh" in body(near).decode()
    # Ids come from the shared sequence: the ORM can still add features.
    extra = Feature.objects.create(
        city=city, layer=layer, geom=Feature.objects.first().geom, properties={}
    )
    others = Feature.objects.exclude(pk=extra.pk).values_list("pk", flat=True)
    assert extra.pk > max(others)
    assert _own(layer) == [own]


def test_replace_swaps_the_partition_and_counts(tmp_path, layer, points):
    import_file(write(points, tmp_path / "a.geojson"), layer=layer, mode="replace")
    (first,) = _own(layer)
    version = Layer.objects.get(pk=layer.pk).data_version
    report = import_file(
        write(points.iloc[:2], tmp_path / "b.geojson"), layer=layer, mode="replace"
    )
    (second,) = _own(layer)
    assert second != first
    assert (report.deleted, report.inserted) == (3, 2)
    assert Feature.objects.filter(layer=layer).count() == 2
    assert Layer.objects.get(pk=layer.pk).data_version > version
    assert _stray_tables() == []


def test_replace_moves_a_layer_out_of_the_shared_partition(
    tmp_path, settings, layer, points
):
    settings.PETAKOTA_IMPORT_PARTITION_ROWS = 1000
    import_file(write(points, tmp_path / "a.geojson"), layer=layer, mode="append")
    assert _own(layer) == []
    settings.PETAKOTA_IMPORT_PARTITION_ROWS = 1
    report = import_file(
        write(points, tmp_path / "a.geojson"), layer=layer, mode="replace"
    )
    assert (report.deleted, report.inserted) == (3, 3)
    assert len(_own(layer)) == 1
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FROM {partitions.DEFAULT} WHERE layer_id = %s",
            [layer.pk],
        )
        assert cursor.fetchone()[0] == 0


def test_appends_and_upserts_land_in_the_layers_partition(tmp_path, layer, points):
    import_file(write(points, tmp_path / "a.geojson"), layer=layer, mode="replace")
    (own,) = _own(layer)
    import_file(write(points, tmp_path / "a.geojson"), layer=layer, mode="append")
    changed = points.copy()
    changed.loc[0, "jumlah"] = 99
    import_file(
        write(changed, tmp_path / "b.geojson"), layer=layer, mode="upsert", key="kode"
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {own}")
        assert cursor.fetchone()[0] == 9
    assert (
        Feature.objects.filter(layer=layer, external_id="A1").get().properties["jumlah"]
        == 99
    )


def test_failed_and_dry_runs_leave_no_table(tmp_path, city, agency, layer, points):
    import_file(write(points, tmp_path / "a.geojson"), layer=layer, mode="replace")
    (own,) = _own(layer)
    report = import_file(
        write(points.iloc[:1], tmp_path / "b.geojson"),
        layer=layer,
        mode="replace",
        dry_run=True,
    )
    assert report.inserted == 1
    assert _own(layer) == [own]
    assert Feature.objects.filter(layer=layer).count() == 3
    far = points.copy()
    far.geometry = far.geometry.translate(50, 50)
    with pytest.raises(ImportFailed, match="No feature lies"):
        import_file(write(far, tmp_path / "far.geojson"), layer=layer, mode="replace")
    assert _own(layer) == [own]
    assert Feature.objects.filter(layer=layer).count() == 3
    assert _stray_tables() == []


def test_busy_layer_fails_cleanly(tmp_path, settings, layer, points, monkeypatch):
    import_file(write(points, tmp_path / "a.geojson"), layer=layer, mode="replace")
    monkeypatch.setattr(partitions, "LOCK_ATTEMPTS", 2)
    monkeypatch.setattr(partitions, "LOCK_TIMEOUT_MS", 50)
    from django.db import connections

    # Another session reads the layer inside an open transaction (a long export).
    other = connections.create_connection("default")
    try:
        other.set_autocommit(False)
        with other.cursor() as cursor:
            cursor.execute(
                f"SELECT count(*) FROM {partitions.PARENT} WHERE layer_id = %s",
                [layer.pk],
            )
        with pytest.raises(ImportFailed, match="in use"):
            import_file(
                write(points.iloc[:1], tmp_path / "b.geojson"),
                layer=layer,
                mode="replace",
            )
    finally:
        other.rollback()
        other.close()
    assert Feature.objects.filter(layer=layer).count() == 3
    assert _stray_tables() == []


def test_deleting_the_layer_drops_its_partition(tmp_path, layer, points):
    import_file(write(points, tmp_path / "a.geojson"), layer=layer, mode="replace")
    (own,) = _own(layer)
    layer.delete()
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [own])
        assert cursor.fetchone()[0] is None


def _properties(layer: Layer) -> list[dict]:
    return list(
        Feature.objects.filter(layer=layer)
        .order_by("id")
        .values_list("properties", flat=True)
    )


def test_direct_load_stores_what_the_staging_path_stores(
    tmp_path, settings, city, agency
):
    """Whole-layer imports of a 2D EPSG:4326 file COPY JSON properties built by the
    reader straight into the new partition; every awkward value must come out as
    jsonb_build_object makes it on the staging path."""
    import geopandas as gpd
    from shapely.geometry import Point

    frame = gpd.GeoDataFrame(
        {
            "teks": [
                'kutip "ganda"',
                "garis\\miring",
                "baris\nbaru\ttab\x01",
                "ü—中",
                None,
            ],
            "bilangan": [0.1, float("nan"), float("inf"), -0.0, 1.5e-7],
            "besar": [1e20, -float("inf"), None, 123456789.123456789, 5.0],
            "bulat": [2**62, -1, 0, None, 7],
            "benar": [True, False, None, True, False],
            "aktif": [True, False, True, True, False],
            "jumlah": [2**62, -1, 0, 3, 7],
        },
        geometry=[Point(120.05 + i / 100, -4.95) for i in range(5)],
        crs="EPSG:4326",
    )
    path = write(frame, tmp_path / "aneh.gpkg")
    settings.PETAKOTA_IMPORT_PARTITION_ROWS = 10**9  # staging path
    import_file(
        path,
        new_layer=NewLayer(city=city, slug="lewat-staging", title="a"),
        mode="create",
    )
    settings.PETAKOTA_IMPORT_PARTITION_ROWS = 1  # direct path
    import_file(
        path, new_layer=NewLayer(city=city, slug="langsung", title="b"), mode="create"
    )
    staged = Layer.objects.get(city=city, slug="lewat-staging")
    direct = Layer.objects.get(city=city, slug="langsung")
    assert _own(staged) == []
    assert len(_own(direct)) == 1
    assert _properties(direct) == _properties(staged)
    got = _properties(direct)
    # (A GeoPackage stores NaN as NULL; infinities are kept, as strings in jsonb.)
    assert (got[2]["bilangan"], got[1]["besar"]) == ("Infinity", "-Infinity")
    assert got[2]["teks"] == "baris\nbaru\ttab\x01"
    assert (got[0]["aktif"], got[0]["jumlah"]) == (True, 2**62)


def test_direct_load_rejects_and_repairs_rows(tmp_path, city):
    bowtie = {
        "type": "Polygon",
        "coordinates": [
            [
                [120.05, -4.95],
                [120.06, -4.94],
                [120.06, -4.95],
                [120.05, -4.94],
                [120.05, -4.95],
            ]
        ],
    }
    square = {
        "type": "Polygon",
        "coordinates": [
            [
                [120.1, -4.9],
                [120.11, -4.9],
                [120.11, -4.89],
                [120.1, -4.89],
                [120.1, -4.9],
            ]
        ],
    }
    features = [
        {"type": "Feature", "properties": {"nama": "kotak"}, "geometry": square},
        {"type": "Feature", "properties": {"nama": "tanpa"}, "geometry": None},
        {"type": "Feature", "properties": {"nama": "dasi"}, "geometry": bowtie},
    ]
    path = tmp_path / "blok.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    report = import_file(
        path, new_layer=NewLayer(city=city, slug="blok", title="Blok"), mode="create"
    )
    layer = Layer.objects.get(city=city, slug="blok")
    assert len(_own(layer)) == 1
    assert (report.inserted, report.repaired, report.rejected_count) == (2, 1, 1)
    assert report.rejected == [(2, "missing geometry")]
    assert all(f.geom.valid for f in Feature.objects.filter(layer=layer))
    # The partition has the parent's exact columns once the load columns are gone.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_attribute WHERE attrelid = %s::regclass "
            "AND attnum > 0 AND NOT attisdropped",
            [_own(layer)[0]],
        )
        own_columns = cursor.fetchone()[0]
        cursor.execute(
            "SELECT count(*) FROM pg_attribute WHERE attrelid = %s::regclass "
            "AND attnum > 0 AND NOT attisdropped",
            [partitions.PARENT],
        )
        assert own_columns == cursor.fetchone()[0]


def test_appending_to_an_empty_layer_loads_it_whole(tmp_path, layer, points):
    """`import_layer --create` appends by default: into a layer with no features that
    is the same as replacing them, so it takes the big-load path too."""
    report = import_file(write(points, tmp_path / "a.geojson"), layer=layer)
    assert report.mode == "append"
    assert len(_own(layer)) == 1
    assert (report.inserted, report.deleted) == (3, 0)
    import_file(write(points, tmp_path / "a.geojson"), layer=layer)
    assert Feature.objects.filter(layer=layer).count() == 6
