"""Demo observations for Kota Tangerang: the observed properties of the starter kit,
the traditional markets of the shipped OpenStreetMap places (the "pasar" layer)
and five air-quality stations at the point on surface of five kecamatan, with
SIMULATED series: three days of hourly air readings and ten days of daily prices.

Everything generated is labelled: `Thing.simulated` (pages and the engine source
show "simulated / simulasi"), station names end in "(simulasi)". The markets'
names and places are OpenStreetMap's; their prices are made up. One station stops
reporting 30 hours ago so the map shows a stale value; chilli prices jump this
week at two markets so the price alerts have something to say.

Goes through the real ingest path (observations.services.ingest_rows). Idempotent:
a second run adds nothing once the demo things have observations.
"""

from __future__ import annotations

import math
import random
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings
from django.contrib.gis.db.models.functions import PointOnSurface
from django.utils import timezone
from django.utils.text import slugify

from layers.models import Feature
from observations.kit_parts import apply_properties, validate_properties
from observations.models import (
    Datastream,
    Observation,
    ObservedProperty,
    Sensor,
    SensorClass,
    Thing,
    ThingKind,
)
from observations.selectors import day_start, local_today
from observations.services import ingest_rows
from tenancy.models import AdminArea, Agency, City

KIT_FILE = (
    Path(settings.BASE_DIR) / "kits" / "kota-tangerang" / "observed_properties.yaml"
)
STATION_AREAS = ("Tangerang", "Cibodas", "Ciledug", "Batuceper", "Jatiuwung")
# Per station: a pollution level (1 = typical), and hours since its last reading.
STATION_LEVEL = (0.4, 1.6, 0.7, 1.2, 2.6)
STATION_SILENT_H = (0, 0, 30, 0, 0)
AIR_HOURS = 72
PRICE_DAYS = 10
MAX_MARKETS = 14
SKIP_NAMES = ("kuliner", "otopart", "sementara", "darurat")

PRICES = {
    "beras-medium": 12800,
    "beras-premium": 15200,
    "gula-pasir": 17800,
    "minyak-goreng": 16500,
    "telur-ayam": 29000,
    "daging-sapi": 135000,
    "daging-ayam": 38000,
    "cabai-merah-keriting": 45000,
    "cabai-rawit": 52000,
    "bawang-merah": 38000,
    "bawang-putih": 40000,
    "tomat": 12000,
    "kentang": 17000,
    "pisang": 15000,
}
# Air: (base µg/m³ or unit, diurnal amplitude share, unit)
AIR = {
    "pm25": (32, 0.35, "µg/m³"),
    "pm10": (55, 0.3, "µg/m³"),
    "co": (1800, 0.4, "µg/m³"),
    "o3": (60, 0.6, "µg/m³"),
    "no2": (45, 0.35, "µg/m³"),
    "so2": (18, 0.2, "µg/m³"),
    "suhu": (29, 0.12, "°C"),
    "kelembapan": (75, 0.15, "%"),
}


def load_demo_observations(city: City) -> dict[str, int]:
    data = yaml.safe_load(KIT_FILE.read_text(encoding="utf-8"))
    problems = validate_properties(data)
    if problems:
        raise ValueError("; ".join(problems))
    apply_properties(city, data)
    agencies = {a.slug: a for a in Agency.objects.filter(city=city)}
    sensors = _sensors(city)
    stations = _stations(city, agencies.get("dlh"))
    markets = _markets(city, agencies.get("disperindag"))
    _datastreams(city, stations, markets, sensors)
    if Observation.objects.filter(datastream__thing__in=stations + markets).exists():
        return {"stations": len(stations), "markets": len(markets), "readings": 0}
    rows = _air_rows(stations) + _price_rows(city, markets)
    report = ingest_rows(city, rows)
    if report.refused:
        raise ValueError(f"demo observations refused: {report.errors[:3]}")
    return {
        "stations": len(stations),
        "markets": len(markets),
        "readings": report.inserted,
    }


def _sensors(city: City) -> dict[str, Sensor]:
    specs = {
        "aqms-referensi": ("Analis AQMS referensi (simulasi)", SensorClass.REFERENCE),
        "survei-tpid": ("Survei harga TPID (simulasi)", SensorClass.SURVEY),
    }
    out = {}
    for code, (name, kind) in specs.items():
        out[code], _ = Sensor.objects.get_or_create(
            city=city,
            code=code,
            defaults={
                "name": name,
                "sensor_class": kind,
                "description": "Demo sensor: its readings are simulated.",
            },
        )
    return out


def _stations(city: City, agency: Agency | None) -> list[Thing]:
    areas = {
        a.name: a
        for a in AdminArea.objects.filter(
            city=city, level=AdminArea.Level.KECAMATAN, name__in=STATION_AREAS
        ).annotate(inside=PointOnSurface("geom"))
    }
    stations = []
    for name in STATION_AREAS:
        area = areas.get(name)
        if area is None:
            continue
        thing, _ = Thing.objects.get_or_create(
            city=city,
            code=f"aqms-{slugify(name)}",
            defaults={
                "name": f"Stasiun AQMS {name} (simulasi)",
                "kind": ThingKind.STATION,
                "agency": agency,
                "geom": area.inside,
                "simulated": True,
                "description": "Demo station: its readings are simulated.",
            },
        )
        stations.append(thing)
    return stations


def _markets(city: City, agency: Agency | None) -> list[Thing]:
    features = (
        Feature.objects.filter(city=city, layer__slug="pasar")
        .annotate(inside=PointOnSurface("geom"))
        .order_by("id")
    )
    markets: list[Thing] = []
    codes: set[str] = set()
    for feature in features:
        name = str(feature.properties.get("name") or "")
        lowered = name.lower()
        if not lowered.startswith("pasar") or any(s in lowered for s in SKIP_NAMES):
            continue
        code = slugify(name)[:50]
        if code in codes:
            continue
        codes.add(code)
        thing, _ = Thing.objects.get_or_create(
            city=city,
            code=code,
            defaults={
                "name": name,
                "kind": ThingKind.MARKET,
                "agency": agency,
                "geom": feature.inside,
                "feature": feature,
                "simulated": True,
                "description": "OpenStreetMap place; its prices are simulated.",
            },
        )
        markets.append(thing)
        if len(markets) >= MAX_MARKETS:
            break
    return markets


def _datastreams(
    city: City,
    stations: list[Thing],
    markets: list[Thing],
    sensors: dict[str, Sensor],
) -> None:
    props = {p.code: p for p in ObservedProperty.objects.filter(city=city)}
    wanted = [(s, props[c], sensors["aqms-referensi"]) for s in stations for c in AIR]
    wanted += [
        (m, props[c], sensors["survei-tpid"])
        for i, m in enumerate(markets)
        for c in PRICES
        # Smaller markets do not sell everything.
        if not (i % 3 == 2 and c in ("daging-sapi", "beras-premium"))
    ]
    for thing, prop, sensor in wanted:
        Datastream.objects.get_or_create(
            thing=thing,
            observed_property=prop,
            defaults={
                "city": city,
                "sensor": sensor,
                "name": f"{prop.name} — {thing.name}",
                "unit_symbol": prop.unit_symbol,
                "unit_code": prop.unit_code,
            },
        )


def _air_rows(stations: list[Thing]) -> list[dict[str, Any]]:
    rng = random.Random(13)  # noqa: S311 (demo data, not secrets)
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    rows: list[dict[str, Any]] = []
    for index, station in enumerate(stations):
        level = STATION_LEVEL[index % len(STATION_LEVEL)]
        silent = STATION_SILENT_H[index % len(STATION_SILENT_H)]
        for code, (base, amplitude, unit) in AIR.items():
            scale = level if code not in ("suhu", "kelembapan") else 1.0
            for h in range(AIR_HOURS, silent - 1, -1):
                moment = now - timedelta(hours=h)
                hour = (moment.hour + 7) % 24  # WIB
                # Traffic peaks in the morning and evening; ozone at midday.
                peak = (
                    math.cos((hour - 13) / 24 * 2 * math.pi)
                    if code in ("o3", "suhu")
                    else math.cos((hour - 8) / 12 * 2 * math.pi)
                )
                if code == "kelembapan":
                    peak = -math.cos((hour - 13) / 24 * 2 * math.pi)
                value = base * scale * (1 + amplitude * peak) * rng.uniform(0.9, 1.1)
                rows.append(_row(station.code, code, moment, round(value, 1), unit))
    return rows


def _price_rows(city: City, markets: list[Thing]) -> list[dict[str, Any]]:
    rng = random.Random(17)  # noqa: S311 (demo data, not secrets)
    today = local_today(city)
    streams = set(
        Datastream.objects.filter(thing__in=markets).values_list(
            "thing__code", "observed_property__code"
        )
    )
    rows: list[dict[str, Any]] = []
    for index, market in enumerate(markets):
        factor = 1 + (index % 5 - 2) * 0.03
        for code, base in PRICES.items():
            if (market.code, code) not in streams:
                continue
            price = base * factor
            for d in range(PRICE_DAYS - 1, -1, -1):
                day = today - timedelta(days=d)
                price *= rng.uniform(0.985, 1.015)
                value = price
                # Chilli jumps this week at the first two markets (an alert).
                if code.startswith("cabai") and index < 2 and d < 4:
                    value = price * 1.3
                moment: datetime = day_start(city, day) + timedelta(hours=8)
                rows.append(
                    _row(market.code, code, moment, round(value, -2), "Rp/kg")
                    if code != "minyak-goreng"
                    else _row(market.code, code, moment, round(value, -2), "Rp/liter")
                )
    return rows


def _row(
    thing: str, prop: str, moment: datetime, value: float, unit: str
) -> dict[str, Any]:
    return {
        "thing": thing,
        "property": prop,
        "time": moment.isoformat(),
        "value": value,
        "unit": unit,
    }
