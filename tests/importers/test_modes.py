"""Modes: create, replace, append, upsert by key, dry run; all atomic."""

from __future__ import annotations

import os

import pytest

from importers.errors import ImportFailed
from importers.services import NewLayer, import_file
from layers.models import Feature, Layer
from tests.importers.conftest import write


def _count(layer: Layer) -> int:
    return Feature.objects.filter(layer=layer).count()


def test_append_then_replace(tmp_path, layer, points):
    path = write(points, tmp_path / "p.geojson")
    import_file(path, layer=layer, mode="append")
    import_file(path, layer=layer, mode="append")
    assert _count(layer) == 6
    report = import_file(path, layer=layer, mode="replace")
    assert (report.deleted, report.inserted) == (6, 3)
    assert _count(layer) == 3


def test_upsert_counts_new_updated_unchanged(tmp_path, layer, points):
    import_file(
        write(points, tmp_path / "a.geojson"), layer=layer, mode="upsert", key="kode"
    )
    changed = points.copy()
    changed.loc[0, "jumlah"] = 99
    report = import_file(
        write(changed, tmp_path / "b.geojson"), layer=layer, mode="upsert", key="kode"
    )
    assert (report.inserted, report.updated, report.unchanged) == (0, 1, 2)
    feature = Feature.objects.get(layer=layer, external_id="A1")
    assert feature.properties["jumlah"] == 99
    assert feature.version == 2


def test_replace_by_key_keeps_identity_and_drops_missing(tmp_path, layer, points):
    import_file(
        write(points, tmp_path / "a.geojson"), layer=layer, mode="upsert", key="kode"
    )
    ids = dict(Feature.objects.filter(layer=layer).values_list("external_id", "id"))
    report = import_file(
        write(points.iloc[:2], tmp_path / "b.geojson"),
        layer=layer,
        mode="replace",
        key="kode",
    )
    assert (report.unchanged, report.deleted) == (2, 1)
    assert dict(
        Feature.objects.filter(layer=layer).values_list("external_id", "id")
    ) == {k: ids[k] for k in ("A1", "B2")}


def test_duplicate_and_missing_keys_are_rejected(tmp_path, layer, points):
    frame = points.copy()
    frame.loc[1, "kode"] = "A1"
    frame.loc[2, "kode"] = None
    report = import_file(
        write(frame, tmp_path / "d.geojson"), layer=layer, mode="upsert", key="kode"
    )
    assert report.inserted == 1
    assert report.rejected == [
        (2, "key column 'kode': duplicate value 'A1' (first at row 1)"),
        (3, "no value in the key column 'kode'"),
    ]


def test_upsert_needs_an_existing_key_column(tmp_path, layer, points):
    path = write(points, tmp_path / "p.geojson")
    with pytest.raises(ImportFailed, match="needs a key"):
        import_file(path, layer=layer, mode="upsert")
    with pytest.raises(ImportFailed, match="No column 'kunci'"):
        import_file(path, layer=layer, mode="upsert", key="kunci")


def test_dry_run_reports_and_changes_nothing(tmp_path, city, agency, points):
    report = import_file(
        write(points, tmp_path / "p.geojson"),
        new_layer=NewLayer(city=city, slug="coba", title="Coba", agency=agency),
        mode="create",
        dry_run=True,
    )
    assert report.dry_run
    assert report.inserted == 3
    assert not Layer.objects.filter(city=city, slug="coba").exists()


def test_create_refuses_an_existing_layer(tmp_path, layer, points):
    with pytest.raises(ImportFailed, match="already exists"):
        import_file(write(points, tmp_path / "p.geojson"), layer=layer, mode="create")


def test_load_demo_twice_changes_nothing(tangerang):
    from django.core.management import call_command

    versions = dict(
        Layer.objects.filter(city=tangerang).values_list("slug", "data_version")
    )
    # The demo keeps places inside the city (or within 200 m), duplicates merged.
    assert Feature.objects.filter(city=tangerang).count() > 150
    call_command("load_demo", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
    assert (
        dict(Layer.objects.filter(city=tangerang).values_list("slug", "data_version"))
        == versions
    )
