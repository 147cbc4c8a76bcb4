"""Demo facilities for Kota Tangerang: the kinds and emergency numbers of the starter
kit, the hospitals of the shipped OpenStreetMap places, and simulated puskesmas,
clinics, fire and police posts and evacuation points.

Everything here is labelled demo (`Facility.demo`, and "(demo)" in simulated
names): the hospitals' names and places are OpenStreetMap's, but their phones,
opening hours, classes and beds are made up; simulated places sit at the point on
surface of each kecamatan (puskesmas, police) or at the OSM kecamatan offices
(evacuation points). Idempotent: a second run changes nothing."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings
from django.contrib.gis.db.models.functions import PointOnSurface
from django.utils import timezone

from demo.places import clean_places
from facilities import kit_parts
from facilities.models import BedAvailability, BedType, Facility
from facilities.services import import_places
from tenancy.kits import Kit
from tenancy.models import AdminArea, Agency, City

KIT = Path(settings.BASE_DIR) / "kits" / "kota-tangerang"
PLACES = Path(settings.BASE_DIR) / "data" / "poi" / "kota_tangerang_osm_pois.geojson"

# The agencies the kinds name that the demo's own list lacks (as in agencies.yaml).
AGENCIES = [
    ("bpbd", "Badan Penanggulangan Bencana Daerah", "BPBD"),
    ("damkar", "Dinas Pemadam Kebakaran dan Penyelamatan", "Damkar"),
    ("polres", "Polres Metro Tangerang Kota", "Polres"),
]
HOURS = ("Mo-Fr 08:00-16:00; Sa 08:00-12:00", "Mo-Sa 07:30-14:00", "Mo-Su 08:00-21:00")


def _number(seed: str, modulo: int) -> int:
    # Stable across runs (not security): the same place gets the same made-up values.
    return int(hashlib.sha256(seed.encode()).hexdigest()[:8], 16) % modulo


def _demo_phone(seed: str) -> str:
    return f"+62215550{_number(seed, 10000):04d}"


def _kit_part(city: City, name: str, apply: Any) -> None:
    data = yaml.safe_load((KIT / f"{name}.yaml").read_text(encoding="utf-8"))
    apply(city, data, Kit(KIT, {}, {}))


def _hospital_extra(feature: dict[str, Any]) -> dict[str, Any]:
    osm_id = str(feature["properties"]["osm_id"])
    name = str(feature["properties"]["name"])
    public = "RSUD" in name.upper()
    return {
        "phones": [_demo_phone(osm_id)],
        "opening_hours": "24/7",
        "emergency_24h": True,
        "hospital_class": "B" if public else "CCCD"[_number(osm_id, 4)],
        "ownership": "government" if public else "private",
        "services": ["IGD", "Rawat inap", "Rawat jalan"],
        "demo": True,
    }


def _simulated(city: City) -> list[dict[str, Any]]:
    """Features of made-up places: per kecamatan a puskesmas, a clinic and a police
    post near its point on surface; a fire post in every second kecamatan; and
    evacuation points at the OSM kecamatan offices and meeting halls."""
    features = []
    areas = (
        AdminArea.objects.filter(city=city, level=AdminArea.Level.KECAMATAN)
        .annotate(p=PointOnSurface("geom"))
        .order_by("code")
    )
    offsets = {"puskesmas": (0, 0), "clinic": (0.004, 0.002), "police": (-0.003, 0.003)}
    for number, area in enumerate(areas):
        todo = dict(offsets)
        if number % 2 == 0:
            todo["fire_station"] = (0.002, -0.004)
        for tag, (dx, dy) in todo.items():
            name = {
                "puskesmas": f"Puskesmas {area.name} (demo)",
                "clinic": f"Klinik Pratama {area.name} (demo)",
                "police": f"Polsek {area.name} (demo)",
                "fire_station": f"Pos Damkar {area.name} (demo)",
            }[tag]
            features.append(
                {
                    "type": "Feature",
                    "properties": {
                        "name": name,
                        "category": tag,
                        "osm_id": f"{tag}-{area.code}",
                    },
                    "geometry": {
                        "type": "Point",
                        "coordinates": [area.p.x + dx, area.p.y + dy],
                    },
                }
            )
    return features


def _simulated_extra(feature: dict[str, Any]) -> dict[str, Any]:
    tag = feature["properties"]["category"]
    osm_id = str(feature["properties"]["osm_id"])
    extra: dict[str, Any] = {"demo": True, "phones": [_demo_phone(osm_id)]}
    if tag in ("police", "fire_station", "assembly_point"):
        extra["opening_hours"] = "24/7"
    else:
        extra["opening_hours"] = HOURS[_number(osm_id, len(HOURS))]
    if tag == "assembly_point":
        extra["phones"] = []
    return extra


def load_demo_facilities(city: City) -> int:
    """Load the demo facilities; returns how many the city has."""
    for slug, name, acronym in AGENCIES:
        Agency.objects.get_or_create(
            city=city, slug=slug, defaults={"name": name, "acronym": acronym}
        )
    _kit_part(city, "facility_kinds", kit_parts.apply_kinds)
    _kit_part(city, "emergency_contacts", kit_parts.apply_contacts)

    places = json.loads(PLACES.read_text(encoding="utf-8"))["features"]
    hospitals = clean_places(
        [f for f in places if f["properties"]["category"] == "hospital"],
        city.boundary,
    )
    import_places(
        city,
        hospitals,
        source="osm",
        extra={str(f["properties"]["osm_id"]): _hospital_extra(f) for f in hospitals},
    )
    halls = [
        {
            **f,
            "properties": {
                "name": f"{f['properties']['name']} (titik evakuasi demo)",
                "category": "assembly_point",
                "osm_id": f["properties"]["osm_id"],
            },
        }
        for f in places
        if f["properties"]["category"] == "government_office"
        and f["properties"]["in_kota_tangerang"]
        and str(f["properties"]["name"])
        .lower()
        .startswith(("kantor kecamatan", "gedung pertemuan"))
    ]
    simulated = _simulated(city) + halls
    import_places(
        city,
        simulated,
        source="demo",
        extra={str(f["properties"]["osm_id"]): _simulated_extra(f) for f in simulated},
    )
    _demo_beds(city)
    return Facility.objects.filter(city=city).count()


def _demo_beds(city: City) -> None:
    """Made-up bed counts of the demo hospitals, some of them stale."""
    now = timezone.now()
    for facility in Facility.objects.filter(city=city, demo=True, kind__hospital=True):
        seed = f"{facility.osm_id}-beds"
        sizes = ((BedType.GENERAL, 120), (BedType.ICU, 16), (BedType.EMERGENCY, 20))
        for bed_type, most in sizes:
            total = 4 + _number(f"{seed}{bed_type}", most)
            hours = _number(f"{seed}{bed_type}h", 30)
            BedAvailability.objects.get_or_create(
                city=city,
                facility=facility,
                bed_type=bed_type,
                defaults={
                    "available": _number(f"{seed}{bed_type}a", total + 1),
                    "total": total,
                    "updated_at": now - timedelta(hours=hours, minutes=7),
                },
            )
