"""A small world for the SensorThings tests: two cities; in the first an air
station (no map feature), a market on a public layer and a station on an
agency-only layer (hidden from the public); observations every hour over two
months, one flagged. Built with the ORM and one INSERT ... SELECT, no demo load."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from django.contrib.gis.geos import Point
from django.db import connection

from layers.choices import Visibility
from observations.models import (
    Datastream,
    Flag,
    Observation,
    ObservedProperty,
    PropertyKind,
    Sensor,
    SensorClass,
    Thing,
    ThingKind,
)
from tenancy.models import City
from tests.factories import AgencyFactory, CityFactory, FeatureFactory, LayerFactory

START = datetime(2026, 9, 1, tzinfo=UTC)
HOURS = 24 * 61  # September and October 2026


@dataclass
class World:
    city: City
    other: City
    station: Thing
    market: Thing
    hidden: Thing
    foreign: Thing
    pm25: Datastream
    rice: Datastream
    hidden_stream: Datastream
    foreign_stream: Datastream


def _stream(thing: Thing, prop: ObservedProperty, sensor: Sensor) -> Datastream:
    return Datastream.objects.create(
        city=thing.city,
        thing=thing,
        observed_property=prop,
        sensor=sensor,
        name=f"{prop.name} {thing.name}",
        unit_symbol=prop.unit_symbol,
        unit_code=prop.unit_code,
        unit_name=prop.unit_name,
    )


def _fill(stream: Datastream, hours: int, step_h: int = 1) -> None:
    """hourly readings 10 + (i mod 50), the 5th one flagged out of range."""
    obs = Observation._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {obs} (datastream_id, phenomenon_time, result, "
            "result_time, flags) SELECT %s, %s + make_interval(hours => i * %s), "
            "10 + mod(i, 50), NULL, CASE WHEN i = 4 THEN %s ELSE 0 END "
            "FROM generate_series(0, %s - 1) i",
            [stream.pk, START, step_h, Flag.OUT_OF_RANGE, hours],
        )
        cursor.execute(
            f"UPDATE {Datastream._meta.db_table} SET phenomenon_start = "
            f"(SELECT min(phenomenon_time) FROM {obs} WHERE datastream_id = %s), "
            f"phenomenon_end = (SELECT max(phenomenon_time) FROM {obs} "
            "WHERE datastream_id = %s) WHERE id = %s",
            [stream.pk, stream.pk, stream.pk],
        )


def build() -> World:
    city = CityFactory(slug="kota-sta", name="Kota STA")
    other = CityFactory(slug="kota-lain", name="Kota Lain")
    agency = AgencyFactory(city=city, slug="dlh")
    public = LayerFactory(city=city, agency=agency, visibility=Visibility.PUBLIC)
    private = LayerFactory(city=city, agency=agency, visibility=Visibility.AGENCY)
    market_feature = FeatureFactory(layer=public, geom=Point(106.64, -6.17, srid=4326))
    hidden_feature = FeatureFactory(layer=private, geom=Point(106.70, -6.20, srid=4326))
    sensor = Sensor.objects.create(
        city=city,
        code="ref",
        name="Reference analyser",
        sensor_class=SensorClass.REFERENCE,
    )
    survey = Sensor.objects.create(
        city=city, code="survey", name="TPID survey", sensor_class=SensorClass.SURVEY
    )
    pm25 = ObservedProperty.objects.create(
        city=city,
        code="pm25",
        name="PM2.5",
        name_en="PM2.5",
        kind=PropertyKind.AIR,
        unit_symbol="µg/m³",
        unit_code="ug/m3",
        unit_name="microgram per cubic metre",
        valid_min=0,
        valid_max=1000,
    )
    rice = ObservedProperty.objects.create(
        city=city,
        code="beras-medium",
        name="Beras medium",
        name_en="Medium rice",
        kind=PropertyKind.PRICE,
        unit_symbol="Rp/kg",
        unit_code="IDR/kg",
        unit_name="rupiah per kilogram",
    )
    station = Thing.objects.create(
        city=city,
        code="aqm-1",
        name="Stasiun Cikokol",
        kind=ThingKind.STATION,
        agency=agency,
        geom=Point(106.63, -6.18, srid=4326),
    )
    market = Thing.objects.create(
        city=city,
        code="pasar-anyar",
        name="Pasar Anyar",
        kind=ThingKind.MARKET,
        geom=Point(106.64, -6.17, srid=4326),
        feature=market_feature,
    )
    hidden = Thing.objects.create(
        city=city,
        code="aqm-x",
        name="Stasiun Internal",
        kind=ThingKind.STATION,
        agency=agency,
        geom=Point(106.70, -6.20, srid=4326),
        feature=hidden_feature,
    )
    other_sensor = Sensor.objects.create(
        city=other, code="ref", name="Ref", sensor_class=SensorClass.REFERENCE
    )
    other_pm = ObservedProperty.objects.create(
        city=other,
        code="pm25",
        name="PM2.5",
        kind=PropertyKind.AIR,
        unit_symbol="µg/m³",
    )
    foreign = Thing.objects.create(
        city=other,
        code="aqm-1",
        name="Stasiun Lain",
        kind=ThingKind.STATION,
        geom=Point(120.05, -4.95, srid=4326),
    )
    world = World(
        city=city,
        other=other,
        station=station,
        market=market,
        hidden=hidden,
        foreign=foreign,
        pm25=_stream(station, pm25, sensor),
        rice=_stream(market, rice, survey),
        hidden_stream=_stream(hidden, pm25, sensor),
        foreign_stream=_stream(foreign, other_pm, other_sensor),
    )
    _fill(world.pm25, HOURS)
    _fill(world.rice, 61, step_h=24)
    _fill(world.hidden_stream, 48)
    _fill(world.foreign_stream, 48)
    return world
