"""Times shown to people: in the city's time zone, with the zone's Indonesian label
(WIB, WITA, WIT), formatted for the active language. Storage and APIs stay UTC / ISO
8601 with an offset; only what a person reads goes through here."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.utils import formats
from django.utils.translation import get_language

from tenancy.models import City

# Indonesia's three civil zones and the IANA names that use them.
ZONE_LABELS = {
    "Asia/Jakarta": "WIB",
    "Asia/Pontianak": "WIB",
    "Asia/Makassar": "WITA",
    "Asia/Ujung_Pandang": "WITA",
    "Asia/Jayapura": "WIT",
}


# Day, short month, year and 24-hour time, as Intl.DateTimeFormat writes them in the
# pages' scripts (static/js/localtime.js), so server- and script-rendered times match.
DATETIME_FORMATS = {"id": "j M Y, H.i", "en": "M j, Y, H:i"}


def city_zone(city: City) -> ZoneInfo:
    try:
        return ZoneInfo(city.time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("Asia/Jakarta")


def zone_label(tz_name: str, when: datetime | None = None) -> str:
    """WIB/WITA/WIT for Indonesian zones; elsewhere the zone's own abbreviation
    (or its UTC offset) at `when`."""
    if tz_name in ZONE_LABELS:
        return ZONE_LABELS[tz_name]
    try:
        zone = ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError):
        return "UTC"
    local = (when or datetime.now(zone)).astimezone(zone)
    return local.tzname() or local.strftime("UTC%z")


def parse_instant(value: datetime | str) -> datetime | None:
    """A datetime, or an ISO 8601 string with an offset (what the APIs write)."""
    if isinstance(value, datetime):
        return value
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def format_local(value: datetime | str | None, city: City) -> str:
    """`value` as a person in `city` reads it: local date and time in the active
    language's format, then the zone label ("27 Nov 2026, 13.50 WITA")."""
    if value is None or value == "":
        return ""
    instant = parse_instant(value)
    if instant is None:
        return str(value)
    local = instant.astimezone(city_zone(city))
    pattern = DATETIME_FORMATS.get((get_language() or "id")[:2], "DATETIME_FORMAT")
    text = formats.date_format(local, pattern)
    return f"{text} {zone_label(city.time_zone, local)}"


def time_config(city: City) -> dict[str, str]:
    """What the pages' scripts need to format ISO times the same way."""
    return {"timeZone": city_zone(city).key, "zoneLabel": zone_label(city.time_zone)}
