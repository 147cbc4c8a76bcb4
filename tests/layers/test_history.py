"""History (django-pghistory triggers): single writes give one event per feature and
change with who/note; bulk imports give one event for the whole load; triggers work
on a layer's own partition; tenant records are kept too."""

from __future__ import annotations

import geopandas as gpd
import pghistory
import pytest
from django.contrib.gis.geos import Point
from django.db import connection
from shapely.geometry import Point as ShapelyPoint

from importers.services import NewLayer, import_file
from layers import history, partitions
from layers.models import Feature, FeatureEvent, Layer, LayerEvent, RecordEvent
from tests.factories import (
    AgencyFactory,
    CityFactory,
    FeatureFactory,
    LayerFactory,
    UserFactory,
)
from tests.importers import conftest as files

pytestmark = pytest.mark.django_db(transaction=True)
write = files.write


@pytest.fixture
def city(db):
    return CityFactory()


@pytest.fixture
def agency(city):
    return AgencyFactory(city=city)


@pytest.fixture
def layer(city, agency):
    return LayerFactory(city=city, agency=agency, slug="fasilitas")


@pytest.fixture
def points() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"kode": ["A1", "B2", "C3"], "nama": ["Satu", "Dua", "Tiga"]},
        geometry=[ShapelyPoint(x, y) for x, y in files.INSIDE],
        crs="EPSG:4326",
    )


def _labels(feature_id: int) -> list[str]:
    return list(
        FeatureEvent.objects.filter(pgh_obj_id=feature_id)
        .order_by("pgh_id")
        .values_list("pgh_label", flat=True)
    )


def test_single_writes_keep_every_version_with_who_and_note(layer):
    user = UserFactory()
    with pghistory.context(user=user.pk, note="survey 2026"):
        feature = FeatureFactory(layer=layer, properties={"nama": "A"})
        feature.properties = {"nama": "B"}
        feature.geom = Point(120.06, -4.94, srid=4326)
        feature.save()
    fid = feature.pk
    feature.delete()
    assert _labels(fid) == ["insert", "before", "update", "delete"]
    update = FeatureEvent.objects.get(pgh_obj_id=fid, pgh_label="update")
    before = FeatureEvent.objects.get(pgh_obj_id=fid, pgh_label="before")
    assert update.properties == {"nama": "B"}
    assert before.properties == {"nama": "A"}
    assert before.geom.coords == (120.05, -4.95)
    assert update.pgh_context.metadata == {"user": user.pk, "note": "survey 2026"}
    versions = history.feature_versions(layer, fid)
    assert [v["change"] for v in versions] == ["insert", "update", "delete"]
    assert versions[1]["user"] == user.username
    assert versions[1]["geometry"]["coordinates"] == [120.06, -4.94]


def test_unchanged_save_is_no_event(layer):
    feature = FeatureFactory(layer=layer, properties={"nama": "A"})
    Feature.objects.filter(pk=feature.pk).update(properties={"nama": "A"})
    assert _labels(feature.pk) == ["insert"]


def test_bulk_sql_writes_are_kept_row_by_row(layer, city):
    """Triggers, not signals: a queryset update is in the history too."""
    a = FeatureFactory(layer=layer, properties={"n": 1})
    b = FeatureFactory(layer=layer, properties={"n": 2})
    Feature.objects.filter(layer=layer).update(properties={"n": 3})
    assert _labels(a.pk) == _labels(b.pk) == ["insert", "before", "update"]


def test_big_import_is_one_event_not_one_per_feature(
    tmp_path, settings, city, agency, points
):
    settings.PETAKOTA_HISTORY_BULK_ROWS = 1
    user = UserFactory()
    with history.change_context(user=user.pk, import_job=42):
        import_file(
            write(points, tmp_path / "p.geojson"),
            new_layer=NewLayer(city=city, slug="baru", title="Baru", agency=agency),
            mode="create",
        )
    layer = Layer.objects.get(city=city, slug="baru")
    assert not FeatureEvent.objects.filter(layer_id=layer.pk).exists()
    (load,) = LayerEvent.objects.filter(pgh_obj_id=layer.pk, pgh_label="bulk_load")
    assert load.pgh_context.metadata["import_job"] == 42
    assert load.pgh_context.metadata["user"] == user.pk
    assert load.pgh_context.metadata["bulk_load"]["inserted"] == 3
    entries, _ = history.layer_changes(layer)
    assert entries[0]["change"] == "bulk_load"
    assert entries[0]["counts"]["inserted"] == 3


def test_small_import_keeps_each_feature(tmp_path, layer, points):
    import_file(write(points, tmp_path / "p.geojson"), layer=layer, mode="append")
    inserts = FeatureEvent.objects.filter(layer_id=layer.pk, pgh_label="insert")
    assert inserts.count() == 3
    assert not LayerEvent.objects.filter(pgh_label="bulk_load").exists()


def test_triggers_fire_on_a_layers_own_partition(
    tmp_path, settings, city, agency, points
):
    """A big load swaps in a partition of the layer's own (no events: one bulk
    event); later edits of its features are kept like any other."""
    settings.PETAKOTA_IMPORT_PARTITION_ROWS = 1
    import_file(
        write(points, tmp_path / "p.geojson"),
        new_layer=NewLayer(city=city, slug="besar", title="Besar", agency=agency),
        mode="create",
    )
    layer = Layer.objects.get(city=city, slug="besar")
    with connection.cursor() as cursor:
        assert partitions.layer_partitions(cursor, layer.pk)
    feature = Feature.objects.filter(layer=layer).first()
    feature.properties = {**feature.properties, "nama": "Ganti"}
    feature.save()
    fid = feature.pk
    feature.delete()
    assert _labels(fid) == ["before", "update", "delete"]
    versions = history.feature_versions(layer, fid)
    assert [v["change"] for v in versions] == ["loaded", "update", "delete"]


def test_tenant_records_are_kept(city):
    user = UserFactory()
    with pghistory.context(user=user.pk, note="rename"):
        agency = AgencyFactory(city=city, name="Dinas Lama")
        agency.name = "Dinas Baru"
        agency.save()
    events = RecordEvent.objects.filter(record="tenancy.Agency", obj_id=agency.pk)
    assert [e.pgh_label for e in events.order_by("pgh_id")] == ["insert", "update"]
    update = events.get(pgh_label="update")
    assert update.changed == ["name"]
    assert update.data["name"] == "Dinas Baru"
    assert update.city_id == city.pk
    assert update.pgh_context.metadata["note"] == "rename"
    city.name = "Kota Baru"
    city.save()
    (changed,) = RecordEvent.objects.filter(record="tenancy.City", pgh_label="update")
    assert changed.changed == ["name"]
    assert "boundary" not in changed.data
