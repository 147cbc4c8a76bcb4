"""Writes of facilities: an agency's update of its facility (phones, hours, beds),
creating or updating one from OSM-derived data, and where a facility is."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from facilities import opening_hours, phones
from facilities.models import BedAvailability, BedType, Facility, FacilityKind
from gis_platform.edges import EdgeError, clean_text, parse_int
from reports.routing import OutsideCity, locate
from tenancy.access import facility_agencies
from tenancy.models import SRID, City

MAX_PHONES = 5
MAX_SERVICES = 30
MAX_BEDS = 1_000_000


class FacilityError(ValueError):
    """A refused update: `errors` names each field at fault."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


@dataclass
class BedCount:
    bed_type: str
    available: int
    total: int


@dataclass
class FacilityUpdate:
    """What an agency may change; None leaves a field as it is."""

    phones: list[str] | None = None
    opening_hours: str | None = None
    services: list[str] | None = None
    website: str | None = None
    emergency_24h: bool | None = None
    beds: list[BedCount] | None = None
    errors: dict[str, str] = field(default_factory=dict)


def read_phones(values: Any, field_name: str = "phones") -> list[str]:
    if isinstance(values, str):
        values = [v for v in values.replace(",", "\n").splitlines() if v.strip()]
    if not isinstance(values, list):
        raise EdgeError(field_name, "must be a list of phone numbers.")
    if len(values) > MAX_PHONES:
        raise EdgeError(field_name, f"at most {MAX_PHONES} numbers.")
    out: list[str] = []
    for value in values:
        text = clean_text(value, field_name, max_length=phones.MAX_LENGTH)
        try:
            number = phones.normalise(text)
        except phones.PhoneError as exc:
            raise EdgeError(field_name, str(exc)) from exc
        if number not in out:
            out.append(number)
    return out


def read_hours(value: Any) -> str:
    text = clean_text(value, "opening_hours", max_length=300, multiline=False)
    if not text.strip():
        return ""
    try:
        return opening_hours.validate(text)
    except opening_hours.OpeningHoursError as exc:
        raise EdgeError("opening_hours", str(exc)) from exc


def read_services(values: Any) -> list[str]:
    if isinstance(values, str):
        values = [v.strip() for v in values.split(",") if v.strip()]
    if not isinstance(values, list) or len(values) > MAX_SERVICES:
        raise EdgeError("services", f"must be a list of at most {MAX_SERVICES}.")
    return [
        clean_text(v, "services", max_length=80, multiline=False).strip()
        for v in values
    ]


def read_beds(values: Any) -> list[BedCount]:
    if not isinstance(values, list):
        raise EdgeError("beds", "must be a list of {type, available, total}.")
    known = {t.value for t in BedType}
    out: dict[str, BedCount] = {}
    for item in values:
        if not isinstance(item, dict) or set(item) - {"type", "available", "total"}:
            raise EdgeError("beds", "each entry is {type, available, total}.")
        bed_type = item.get("type")
        if bed_type not in known:
            raise EdgeError("beds", f"unknown bed type (one of {', '.join(known)}).")
        available = parse_int(
            item.get("available"), "beds", minimum=0, maximum=MAX_BEDS
        )
        total = parse_int(item.get("total"), "beds", minimum=0, maximum=MAX_BEDS)
        if available > total:
            raise EdgeError("beds", "available cannot exceed total.")
        out[str(bed_type)] = BedCount(str(bed_type), available, total)
    return list(out.values())


def read_update(body: dict[str, Any]) -> FacilityUpdate:
    """A FacilityUpdate from a JSON object or form data; every bad field is named
    in FacilityError (nothing is written)."""
    allowed = {
        "phones",
        "opening_hours",
        "services",
        "website",
        "emergency_24h",
        "beds",
    }
    update = FacilityUpdate()
    errors: dict[str, str] = {}
    for name in sorted(set(body) - allowed):
        errors[str(name)[:40]] = "unknown field."
    readers: dict[str, Any] = {
        "phones": read_phones,
        "opening_hours": read_hours,
        "services": read_services,
        "beds": read_beds,
    }
    for name, reader in readers.items():
        if name in body:
            try:
                setattr(update, name, reader(body[name]))
            except EdgeError as exc:
                errors[name] = exc.message
    if "website" in body:
        try:
            update.website = clean_text(
                body["website"], "website", max_length=200, multiline=False
            ).strip()
            if update.website and not update.website.startswith(
                ("https://", "http://")
            ):
                raise EdgeError("website", "must start with https:// or http://.")
        except EdgeError as exc:
            errors["website"] = exc.message
    if "emergency_24h" in body:
        if isinstance(body["emergency_24h"], bool):
            update.emergency_24h = body["emergency_24h"]
        else:
            errors["emergency_24h"] = "must be true or false."
    if errors:
        raise FacilityError(errors)
    return update


def may_update(user: Any, facility: Facility) -> bool:
    """Whether `user` may update `facility` (tenancy/access.py decides)."""
    return facility_agencies(user, facility.city).filter(pk=facility.agency_id).exists()


@transaction.atomic
def update_facility(
    facility: Facility, update: FacilityUpdate, *, now: datetime | None = None
) -> Facility:
    """Apply an agency's update (the caller checked access). Bed counts given are
    stamped now; bed types not given keep theirs."""
    now = now or timezone.now()
    facility = Facility.objects.select_for_update().get(pk=facility.pk)
    for name in ("phones", "opening_hours", "services", "website", "emergency_24h"):
        value = getattr(update, name)
        if value is not None:
            setattr(facility, name, value)
    if update.opening_hours is not None:
        facility.hours_structured = structured_hours(facility.opening_hours)
    try:
        facility.full_clean()
    except ValidationError as exc:
        raise FacilityError(
            {k: str(v[0]) for k, v in exc.message_dict.items()}
        ) from exc
    facility.save()
    for bed in update.beds or []:
        BedAvailability.objects.update_or_create(
            city_id=facility.city_id,
            facility=facility,
            bed_type=bed.bed_type,
            defaults={
                "available": bed.available,
                "total": bed.total,
                "updated_at": now,
            },
        )
    return facility


def structured_hours(text: str) -> dict[str, object]:
    if not text:
        return {}
    return opening_hours.parse(text).as_json()


@dataclass
class PlaceImport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: list[str] = field(default_factory=list)


def kind_for(kinds: Iterable[FacilityKind], tags: Iterable[str]) -> FacilityKind | None:
    wanted = set(tags)
    for kind in kinds:
        if wanted & set(kind.osm_tags):
            return kind
    return None


@transaction.atomic
def import_places(
    city: City,
    features: Iterable[dict[str, Any]],
    *,
    source: str = "osm",
    extra: dict[str, dict[str, Any]] | None = None,
) -> PlaceImport:
    """Create or update facilities from GeoJSON point features of OSM-derived data
    (properties: name, category or amenity, osm_id, addr/phone/opening_hours when
    present). The kind is the city's kind whose `osm_tags` names the feature's
    category (or `amenity=...`); its default agency owns it. Places outside the
    city, of no kind, or with bad values are skipped and listed. By (source,
    osm_id): a second run changes nothing. `extra` adds values per osm_id (the
    demo's simulated phones and hours)."""
    kinds = list(FacilityKind.objects.filter(city=city).select_related("agency"))
    existing = {
        f.osm_id: f
        for f in Facility.objects.filter(city=city, source=source).exclude(osm_id="")
    }
    outcome = PlaceImport()
    for feature in features:
        props = feature.get("properties") or {}
        geometry = feature.get("geometry") or {}
        name = str(props.get("name") or "").strip()
        osm_id = str(props.get("osm_id") or "").strip()
        label = name or osm_id or "?"
        tags = [str(props.get("category") or "")]
        if props.get("amenity"):
            tags.append(f"amenity={props['amenity']}")
        kind = kind_for(kinds, tags)
        if kind is None:
            continue
        if not name or not osm_id or geometry.get("type") != "Point":
            outcome.skipped.append(f"{label}: no name, OSM id or point.")
            continue
        if kind.agency is None:
            outcome.skipped.append(f"{label}: kind {kind.code} has no agency.")
            continue
        lon, lat = geometry["coordinates"][:2]
        point = Point(float(lon), float(lat), srid=SRID)
        try:
            where = locate(city, point)
        except OutsideCity:
            outcome.skipped.append(f"{label}: outside {city.name}.")
            continue
        values: dict[str, Any] = {
            "kind": kind,
            "name": name[:200],
            "geom": point,
            "kelurahan": where.kelurahan,
            "kecamatan": where.kecamatan,
        }
        more = dict((extra or {}).get(osm_id, {}))
        try:
            if props.get("phone"):
                more.setdefault("phones", read_phones(str(props["phone"])))
            if props.get("opening_hours"):
                more.setdefault("opening_hours", read_hours(props["opening_hours"]))
        except EdgeError as exc:
            outcome.skipped.append(f"{label}: {exc}")
            continue
        if props.get("addr:full"):
            more.setdefault("address", str(props["addr:full"])[:300])
        values.update(more)
        if "opening_hours" in values:
            values["hours_structured"] = structured_hours(values["opening_hours"])
        facility = existing.get(osm_id)
        created = facility is None
        if facility is None:
            facility = Facility(
                city=city, source=source, osm_id=osm_id, agency=kind.agency, kind=kind
            )
        dirty = [k for k, v in values.items() if getattr(facility, k) != v]
        for key in dirty:
            setattr(facility, key, values[key])
        if created or dirty:
            try:
                facility.full_clean()
            except ValidationError as exc:
                outcome.skipped.append(f"{label}: {exc.messages[0]}")
                continue
            facility.save()
            existing[osm_id] = facility
        if created:
            outcome.created += 1
        elif dirty:
            outcome.updated += 1
        else:
            outcome.unchanged += 1
    return outcome
