"""Fixtures: a small city with an air station and a market, their properties and
datastreams (factories, no demo load)."""

from __future__ import annotations

import pytest
from django.contrib.gis.geos import Point

from observations.models import (
    Datastream,
    IspuParameter,
    ObservedProperty,
    PropertyKind,
    Sensor,
    SensorClass,
    Thing,
    ThingKind,
)
from tests.factories import AgencyFactory, CityFactory


@pytest.fixture
def city(db):
    return CityFactory(slug="kota-uji", name="Kota Uji")


@pytest.fixture
def agency(city):
    return AgencyFactory(city=city, slug="dlh", name="Dinas Lingkungan Hidup")


@pytest.fixture
def pm25(city) -> ObservedProperty:
    return ObservedProperty.objects.create(
        city=city,
        code="pm25",
        name="PM2.5",
        name_en="PM2.5",
        kind=PropertyKind.AIR,
        unit_symbol="µg/m³",
        unit_code="ug/m3",
        expected_interval_s=3600,
        valid_min=0,
        valid_max=1000,
        ispu_parameter=IspuParameter.PM25,
    )


@pytest.fixture
def rice(city) -> ObservedProperty:
    return ObservedProperty.objects.create(
        city=city,
        code="beras-medium",
        name="Beras medium",
        name_en="Medium rice",
        kind=PropertyKind.PRICE,
        group="Sembako",
        unit_symbol="Rp/kg",
        unit_code="IDR/kg",
        expected_interval_s=86400,
        valid_min=0,
        valid_max=100000,
        ceiling=14000,
    )


@pytest.fixture
def station(city, agency) -> Thing:
    return Thing.objects.create(
        city=city,
        code="aqm-1",
        name="Stasiun Uji",
        kind=ThingKind.STATION,
        agency=agency,
        geom=Point(106.63, -6.18, srid=4326),
    )


@pytest.fixture
def market(city) -> Thing:
    return Thing.objects.create(
        city=city,
        code="pasar-uji",
        name="Pasar Uji",
        kind=ThingKind.MARKET,
        geom=Point(106.64, -6.17, srid=4326),
    )


@pytest.fixture
def sensor(city) -> Sensor:
    return Sensor.objects.create(
        city=city, code="ref", name="Reference", sensor_class=SensorClass.REFERENCE
    )


@pytest.fixture
def pm25_stream(city, station, pm25, sensor) -> Datastream:
    return Datastream.objects.create(
        city=city,
        thing=station,
        observed_property=pm25,
        sensor=sensor,
        name="PM2.5 Stasiun Uji",
        unit_symbol=pm25.unit_symbol,
        unit_code=pm25.unit_code,
    )
