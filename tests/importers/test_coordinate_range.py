"""Coordinates outside their coordinate system's range are refused with a clear reason
before any GEOS call (GEOS 3.11 aborts the process on some huge values)."""

from __future__ import annotations

import json

import pytest

from importers.errors import ImportFailed
from importers.formats import ReadOptions
from importers.jobs import preview_file
from importers.services import import_file
from layers.models import Feature

INSIDE = [120.05, -4.95]


def _geojson(tmp_path, geometries, name="x.geojson", crs=None):
    doc = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {"n": i}, "geometry": g}
            for i, g in enumerate(geometries)
        ],
    }
    if crs:
        doc["crs"] = {"type": "name", "properties": {"name": crs}}
    path = tmp_path / name
    path.write_text(json.dumps(doc))
    return path


HUGE = [
    {"type": "Point", "coordinates": [1e308, 1e308]},
    {
        "type": "Polygon",
        "coordinates": [[[0, 0], [1e308, 0], [1e308, -1e308], [0, 0]]],
    },
    {"type": "LineString", "coordinates": [INSIDE, [200.0, -4.9]]},
    {"type": "Point", "coordinates": [120.1, -95.0]},
]


def test_out_of_range_rows_are_rejected_with_a_reason(tmp_path, layer):
    path = _geojson(tmp_path, [{"type": "Point", "coordinates": INSIDE}, *HUGE])
    report = import_file(path, layer=layer, mode="append")
    assert report.loaded == 1
    assert report.rejected_count == 4
    reasons = dict(report.rejected)
    assert set(reasons) == {2, 3, 4, 5}
    for reason in reasons.values():
        assert "outside the valid range" in reason
    assert Feature.objects.filter(layer=layer).count() == 1


def test_file_with_only_out_of_range_rows_fails_clearly(tmp_path, layer):
    path = _geojson(tmp_path, HUGE[:2])
    with pytest.raises(ImportFailed, match="outside the valid range"):
        import_file(path, layer=layer, mode="append")
    assert not Feature.objects.filter(layer=layer).exists()


def test_projected_coordinates_beyond_the_crs_are_rejected(tmp_path, layer):
    utm = [{"type": "Point", "coordinates": [1e12, 9.4e6]}]
    path = _geojson(tmp_path, utm, crs="urn:ogc:def:crs:EPSG::32750")
    with pytest.raises(ImportFailed, match="outside the valid range"):
        import_file(path, layer=layer, mode="append")


def test_preview_leaves_out_of_range_features_and_says_so(tmp_path):
    path = _geojson(tmp_path, [{"type": "Point", "coordinates": INSIDE}, *HUGE])
    preview = preview_file(path, ReadOptions())
    json.dumps(preview, allow_nan=False)  # storable as JSON: no inf/NaN
    assert len(preview["features"]["features"]) == 1
    assert any("outside the valid range" in w for w in preview["warnings"])
