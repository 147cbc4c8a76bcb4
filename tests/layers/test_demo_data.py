"""The demo's places lie in the city (or within 200 m of its boundary) and each place
appears once: the OSM extract had 14 of 35 hospitals and 55 of 105 schools outside
Kota Tangerang, and some places twice (a node and a way of the same hospital)."""

from __future__ import annotations

import os
from itertools import combinations

import pytest
from django.core.management import call_command

from demo.places import DUPLICATE_M, MARGIN_M, normalised_name, utm_srid
from layers.models import Feature, Layer

pytestmark = pytest.mark.django_db

# inside (or within 200 m), then without same-name duplicates closer than 150 m
EXPECTED = {
    "rumah-sakit": 21,  # 35 in the extract: 13 outside, 1 node+way duplicate
    "sekolah": 49,  # 105: 50 outside, 6 duplicates
    "pasar": 21,  # 59: 38 outside
    "kawasan-industri": 54,  # 73: 19 outside
    "kantor-pemerintahan": 60,  # 80: 20 outside
}


def test_demo_layers_hold_only_places_of_the_city_once(tangerang):
    counts = {
        layer.slug: layer.features.count()
        for layer in Layer.objects.filter(city=tangerang, slug__in=EXPECTED)
    }
    assert counts == EXPECTED
    srid = utm_srid(tangerang.boundary)
    reach = tangerang.boundary.transform(srid, clone=True).buffer(MARGIN_M + 1)
    for slug in EXPECTED:
        rows = [
            (normalised_name(f.properties.get("name")), f.geom.transform(srid, True))
            for f in Feature.objects.filter(layer__city=tangerang, layer__slug=slug)
        ]
        assert all(reach.contains(point) for _name, point in rows), slug
        for (a, pa), (b, pb) in combinations(rows, 2):
            assert not (a and a == b and pa.distance(pb) <= DUPLICATE_M), (slug, a)


def test_second_run_changes_nothing(tangerang):
    before = {f.pk: f.updated_at for f in Feature.objects.filter(city=tangerang)}
    call_command("load_demo", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
    after = {f.pk: f.updated_at for f in Feature.objects.filter(city=tangerang)}
    assert after == before


def test_demo_schema_labels_fields_and_hides_technical_ones(tangerang):
    schema = {f["name"]: f for f in Layer.objects.get(slug="rumah-sakit").schema}
    assert schema["nama_kel"]["labels"]["en"] == "Kelurahan"
    assert not schema["name"]["hidden"]
    for technical in ("osm_id", "poi_id", "needs_manual_verify", "in_kota_tangerang"):
        assert schema[technical]["hidden"], technical
        assert isinstance(schema[technical]["label"], str)  # OGC queryable titles
