"""Fixtures for import/export tests: a small city and files built in tmp_path."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import Point, Polygon

from tests.factories import AgencyFactory, CityFactory, LayerFactory

# CityFactory's boundary: a 0.2° square from (120.0, -5.0).
INSIDE = [(120.05, -4.95), (120.10, -4.90), (120.15, -4.85)]


@pytest.fixture
def city(db):
    return CityFactory()


@pytest.fixture
def agency(city):
    return AgencyFactory(city=city)


@pytest.fixture
def layer(city, agency):
    """An empty layer with no schema yet: the first import sets it."""
    return LayerFactory(city=city, agency=agency, slug="fasilitas")


@pytest.fixture
def points() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "kode": ["A1", "B2", "C3"],
            "nama": ["Puskesmas Cipondoh", "Pasar Baru — Timur", "Kantor Camat"],
            "jumlah": [12, 7, 3],
            "luas": [1.5, 2.25, 3.0],
            "buka": [True, False, True],
        },
        geometry=[Point(x, y) for x, y in INSIDE],
        crs="EPSG:4326",
    )


@pytest.fixture
def polygons() -> gpd.GeoDataFrame:
    def square(x: float, y: float, s: float = 0.01) -> Polygon:
        return Polygon([(x, y), (x + s, y), (x + s, y + s), (x, y + s)])

    return gpd.GeoDataFrame(
        {"kode": ["P1", "P2"], "nama": ["Blok 1", "Blok 2"]},
        geometry=[square(120.05, -4.95), square(120.1, -4.9)],
        crs="EPSG:4326",
    )


def write(frame: gpd.GeoDataFrame, path: Path, **kwargs) -> Path:
    frame.to_file(path, engine="pyogrio", **kwargs)
    return path
