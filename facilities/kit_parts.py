"""Facilities' parts of a city kit: the kinds of facility and the emergency numbers."""

from __future__ import annotations

import re
from typing import Any

from facilities import phones
from facilities.models import EmergencyContact, FacilityKind
from tenancy.kits import (
    Kit,
    PartOutcome,
    check_text,
    entries,
    kit_codes,
    register_kit_part,
)
from tenancy.models import Agency, City

CODE = re.compile(r"^[-a-zA-Z0-9_]+$")
COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
KIND_OPTIONAL = ("name_en", "hospital", "agency", "osm_tags", "color")


def _check_code(item: dict[str, Any], label: str, problems: list[str]) -> None:
    code = item["code"]
    if not isinstance(code, str) or not CODE.match(code) or len(code) > 40:
        problems.append(
            f"{label}: code must be ASCII letters, digits, '-' or '_' (at most 40)."
        )


def export_kinds(city: City) -> list[dict[str, Any]]:
    return [
        {
            "code": k.code,
            "name": k.name,
            "name_en": k.name_en,
            "hospital": k.hospital,
            "agency": k.agency.slug if k.agency else None,
            "osm_tags": list(k.osm_tags),
            "color": k.color,
        }
        for k in FacilityKind.objects.filter(city=city).select_related("agency")
    ]


def validate_kinds(data: Any, kit: Kit) -> list[str]:
    problems: list[str] = []
    agencies = kit_codes(kit, "agencies", "slug")
    for label, item in entries(
        data, problems, key="code", required=("code", "name"), optional=KIND_OPTIONAL
    ):
        _check_code(item, label, problems)
        check_text(item, "name", label, problems, 120)
        check_text(item, "name_en", label, problems, 120)
        if "hospital" in item and not isinstance(item["hospital"], bool):
            problems.append(f"{label}: hospital must be true or false.")
        color = item.get("color")
        if color is not None and not (isinstance(color, str) and COLOR.match(color)):
            problems.append(f"{label}: color must be like #d7263d.")
        tags = item.get("osm_tags", [])
        if not isinstance(tags, list) or not all(
            isinstance(t, str) and 0 < len(t) <= 80 for t in tags
        ):
            problems.append(f"{label}: osm_tags must be a list of short texts.")
        agency = item.get("agency")
        if agency is not None and agencies is not None and agency not in agencies:
            problems.append(f"{label}: agency {agency!r} is not in agencies.yaml.")
    return problems


def apply_kinds(city: City, data: Any, kit: Kit) -> PartOutcome:
    outcome = PartOutcome()
    agencies = {a.slug: a for a in Agency.objects.filter(city=city)}
    existing = {k.code: k for k in FacilityKind.objects.filter(city=city)}
    for order, item in enumerate(data):
        values = {
            "name": item["name"],
            "name_en": item.get("name_en") or "",
            "hospital": item.get("hospital", False),
            "agency": agencies.get(item["agency"]) if item.get("agency") else None,
            "osm_tags": list(item.get("osm_tags", [])),
            "color": item.get("color") or "#0f6e74",
            "order": order,
        }
        kind = existing.get(item["code"])
        created = kind is None
        if kind is None:
            kind = FacilityKind(city=city, code=item["code"])
        dirty = [k for k, v in values.items() if getattr(kind, k) != v]
        for key in dirty:
            setattr(kind, key, values[key])
        if created or dirty:
            kind.full_clean()
            kind.save()
        outcome.count(created=created, changed=bool(dirty))
    return outcome


def export_contacts(city: City) -> list[dict[str, Any]]:
    return [
        {"code": c.code, "name": c.name, "name_en": c.name_en, "phone": c.phone}
        for c in EmergencyContact.objects.filter(city=city)
    ]


def validate_contacts(data: Any, kit: Kit) -> list[str]:
    problems: list[str] = []
    for label, item in entries(
        data,
        problems,
        key="code",
        required=("code", "name", "phone"),
        optional=("name_en",),
    ):
        _check_code(item, label, problems)
        check_text(item, "name", label, problems, 120)
        check_text(item, "name_en", label, problems, 120)
        phone = item["phone"]
        if isinstance(phone, int) and not isinstance(phone, bool):
            phone = str(phone)
        try:
            phones.normalise(phone)
        except phones.PhoneError as exc:
            problems.append(f"{label}: phone: {exc}")
    return problems


def apply_contacts(city: City, data: Any, kit: Kit) -> PartOutcome:
    outcome = PartOutcome()
    existing = {c.code: c for c in EmergencyContact.objects.filter(city=city)}
    for order, item in enumerate(data):
        values = {
            "name": item["name"],
            "name_en": item.get("name_en") or "",
            "phone": phones.normalise(str(item["phone"])),
            "order": order,
        }
        contact = existing.get(item["code"])
        created = contact is None
        if contact is None:
            contact = EmergencyContact(city=city, code=item["code"])
        dirty = [k for k, v in values.items() if getattr(contact, k) != v]
        for key in dirty:
            setattr(contact, key, values[key])
        if created or dirty:
            contact.full_clean()
            contact.save()
        outcome.count(created=created, changed=bool(dirty))
    return outcome


def register() -> None:
    register_kit_part(
        "facility_kinds",
        export=export_kinds,
        validate=validate_kinds,
        apply=apply_kinds,
        order=60,
        description="kinds of facility on the help page, in its order: hospital: "
        "true gives class A-D, a 24-hour emergency department and beds; agency "
        "owns imported ones; osm_tags are the OSM categories an import maps here",
    )
    register_kit_part(
        "emergency_contacts",
        export=export_contacts,
        validate=validate_contacts,
        apply=apply_contacts,
        order=60,
        description="the city's emergency and public-service numbers, shown first "
        "on the help page in this order (112, ambulance, Damkar, police, PLN, PDAM)",
    )
