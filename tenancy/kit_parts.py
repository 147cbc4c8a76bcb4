"""Tenancy's parts of a city kit: the city's settings and its agencies."""

from __future__ import annotations

import re
import zoneinfo
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from tenancy.kits import (
    Kit,
    PartOutcome,
    check_text,
    check_whole,
    entries,
    register_kit_part,
)
from tenancy.models import Agency, City
from tenancy.time_zones import time_zone_for_code

AUTO = "auto"
SLUG = re.compile(r"^[-a-zA-Z0-9_]+$")
CITY_FIELDS = ("language", "default_zoom", "time_zone")


def export_city(city: City) -> dict[str, Any]:
    derived = time_zone_for_code(city.code)
    return {
        "language": city.language,
        "default_zoom": city.default_zoom,
        # "auto": from the province part of the region's Kemendagri code.
        "time_zone": AUTO if city.time_zone == derived else city.time_zone,
    }


def validate_city(data: Any, kit: Kit) -> list[str]:
    if data == []:
        return []
    if not isinstance(data, dict):
        return [f"expected a mapping of {', '.join(CITY_FIELDS)}."]
    problems = [
        f"unknown field {key!r} (allowed: {', '.join(CITY_FIELDS)})."
        for key in data
        if key not in CITY_FIELDS
    ]
    languages = [code for code, _name in settings.LANGUAGES]
    if "language" in data and data["language"] not in languages:
        problems.append(
            f"unknown language {data['language']!r} (one of: {', '.join(languages)})."
        )
    check_whole(data, "default_zoom", "city", problems, 22)
    zone = data.get("time_zone", AUTO)
    if zone != AUTO:
        try:
            zoneinfo.ZoneInfo(str(zone))
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            problems.append(
                f"unknown time_zone {zone!r} (an IANA name such as Asia/Makassar, "
                f"or {AUTO!r})."
            )
    return problems


def kit_time_zone(kit: Kit) -> str | None:
    """The kit's explicit time zone (None: derive it from the region's code)."""
    data = kit.data("city")
    zone = data.get("time_zone", AUTO) if isinstance(data, dict) else AUTO
    return None if zone == AUTO else str(zone)


def kit_language(kit: Kit) -> str | None:
    data = kit.data("city")
    return data.get("language") if isinstance(data, dict) else None


def apply_city(city: City, data: Any, kit: Kit) -> PartOutcome:
    # Language and time zone are set by onboarding (options beat the kit); the
    # centre is geographic and comes from the boundary.
    outcome = PartOutcome()
    zoom = data.get("default_zoom") if isinstance(data, dict) else None
    changed = isinstance(zoom, int) and city.default_zoom != zoom
    if isinstance(zoom, int) and changed:
        city.default_zoom = zoom
        city.save(update_fields=["default_zoom", "updated_at"])
    outcome.count(created=False, changed=changed)
    return outcome


def export_agencies(city: City) -> list[dict[str, Any]]:
    return [
        {"slug": a.slug, "name": a.name, "acronym": a.acronym, "email": a.email}
        for a in Agency.objects.filter(city=city).order_by("slug")
    ]


def validate_agencies(data: Any, kit: Kit) -> list[str]:
    problems: list[str] = []
    for label, item in entries(
        data,
        problems,
        key="slug",
        required=("slug", "name"),
        optional=("acronym", "email"),
    ):
        slug = item["slug"]
        if not isinstance(slug, str) or not SLUG.match(slug) or len(slug) > 80:
            problems.append(
                f"{label}: slug must be ASCII letters, digits, '-' or '_' (at most 80)."
            )
        check_text(item, "name", label, problems, 200)
        check_text(item, "acronym", label, problems, 40)
        email = item.get("email") or ""
        if email:
            try:
                validate_email(email)
            except ValidationError:
                problems.append(f"{label}: {email!r} is not an e-mail address.")
    return problems


def apply_agencies(city: City, data: Any, kit: Kit) -> PartOutcome:
    outcome = PartOutcome()
    existing = {a.slug: a for a in Agency.objects.filter(city=city)}
    for item in data:
        values = {
            "name": item["name"],
            "acronym": item.get("acronym") or "",
            "email": item.get("email") or "",
        }
        agency = existing.get(item["slug"])
        if agency is None:
            Agency.objects.create(city=city, slug=item["slug"], **values)
            outcome.count(created=True, changed=True)
            continue
        dirty = [k for k, v in values.items() if getattr(agency, k) != v]
        for key in dirty:
            setattr(agency, key, values[key])
        if dirty:
            agency.save(update_fields=dirty)
        outcome.count(created=False, changed=bool(dirty))
    return outcome


def register() -> None:
    register_kit_part(
        "city",
        export=export_city,
        validate=validate_city,
        apply=apply_city,
        order=0,
        description="language, default zoom and time zone (auto: from the "
        "province code)",
    )
    register_kit_part(
        "agencies",
        export=export_agencies,
        validate=validate_agencies,
        apply=apply_agencies,
        order=10,
        description="the city's agencies (OPD); other parts name them by slug",
    )
