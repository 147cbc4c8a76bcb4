"""Strict parsing of request parameters shared by every API of the engine.

Each parser raises BadParameter with a message a client can act on; nothing from a
request reaches SQL except as a bound parameter.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time

from django.conf import settings

from gis_platform import edges

_ASCII_DIGITS = re.compile(r"[0-9]{1,18}")


class BadParameter(ValueError):
    def __init__(self, name: str, message: str) -> None:
        super().__init__(f"Invalid parameter {name!r}: {message}")
        self.name = name
        self.message = message


def parse_bbox(
    raw: str | None, name: str = "bbox"
) -> tuple[float, float, float, float] | None:
    if raw is None or raw == "":
        return None
    parts = raw.split(",")
    if len(parts) not in (4, 6):
        raise BadParameter(name, "expected min_lon,min_lat,max_lon,max_lat.")
    # ASCII numbers only (float() takes Unicode digits, "nan" and "inf").
    values = [parse_number(p, name) for p in parts]
    if len(values) == 6:  # 3D bbox: drop the heights
        values = [values[0], values[1], values[3], values[4]]
    min_x, min_y, max_x, max_y = values
    if min_y > max_y:
        raise BadParameter(name, "the minimum latitude is above the maximum.")
    if min_x > max_x:
        raise BadParameter(name, "boxes crossing the antimeridian are not supported.")
    return min_x, min_y, max_x, max_y


def parse_limit(raw: str | None, *, default: int | None = None) -> int:
    maximum = settings.PETAKOTA_MAX_PAGE_SIZE
    if raw is None or raw == "":
        return default or settings.PETAKOTA_DEFAULT_PAGE_SIZE
    # str.isdigit() accepts "²", which int() refuses: parse ASCII digits only.
    try:
        value = edges.parse_int(raw, "limit", minimum=1)
    except edges.EdgeError:
        raise BadParameter("limit", "must be a positive whole number.") from None
    return min(value, maximum)


def parse_int(
    raw: str | None, name: str, *, minimum: int = 0, maximum: int | None = None
) -> int | None:
    if raw is None or raw == "":
        return None
    try:
        value = edges.parse_int(raw, name)
    except edges.EdgeError:
        raise BadParameter(name, "must be a whole number (digits 0-9).") from None
    if value < minimum or (maximum is not None and value > maximum):
        upper = "" if maximum is None else f" and at most {maximum}"
        raise BadParameter(name, f"must be at least {minimum}{upper}.")
    return value


def parse_number(raw: str, name: str) -> float:
    """A finite number written in ASCII (no NaN, Infinity or Unicode digits)."""
    try:
        return edges.parse_float(raw, name)
    except edges.EdgeError as exc:
        raise BadParameter(name, exc.message) from None


def parse_datetime(
    raw: str | None, name: str = "datetime"
) -> tuple[datetime | None, datetime | None] | None:
    """An RFC 3339 instant or interval (`a/b`, `../b`, `a/..`) as (start, end).

    An instant is the interval (t, t); an open end is None. Dates mean whole days."""
    if raw is None or raw == "":
        return None
    if len(raw) > 100:
        raise BadParameter(name, "too long.")
    if "/" in raw:
        parts = raw.split("/")
        if len(parts) != 2:
            raise BadParameter(name, "an interval has exactly one '/'.")
        start = _instant(parts[0], name, end=False)
        end = _instant(parts[1], name, end=True)
        if start is None and end is None:
            raise BadParameter(name, "an interval needs at least one bound.")
        if start is not None and end is not None and start > end:
            raise BadParameter(name, "the interval starts after it ends.")
        return start, end
    instant = _instant(raw, name, end=False)
    if instant is None:
        raise BadParameter(name, "expected an RFC 3339 date-time or interval.")
    if _is_date(raw):
        return instant, _instant(raw, name, end=True)
    return instant, instant


def _is_date(raw: str) -> bool:
    return len(raw) == 10 and raw[4] == "-" and raw[7] == "-"


def _instant(raw: str, name: str, *, end: bool) -> datetime | None:
    if raw in ("", ".."):
        return None
    try:
        if _is_date(raw):
            day = date.fromisoformat(raw)
            value = datetime.combine(day, time.max if end else time.min)
            return value.replace(tzinfo=UTC)
        if "T" not in raw.upper():
            raise ValueError(raw)
        value = to_utc(datetime.fromisoformat(raw.upper().replace("Z", "+00:00")))
    except (ValueError, OverflowError):
        raise BadParameter(
            name,
            f"{raw[:40]!r} is not an RFC 3339 date-time (e.g. 2024-01-31T08:00:00Z).",
        ) from None
    return value


def to_utc(value: datetime) -> datetime:
    """An aware UTC datetime (naive means UTC).

    PostgreSQL refuses UTC offsets beyond ±15:59 that RFC 3339 and Python allow
    (`+23:59`): converted here, the database only ever sees +00:00. Raises
    OverflowError at the ends of the calendar."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def parse_cursor(raw: str | None, name: str = "cursor") -> tuple[str, int] | None:
    """A page cursor: `a<id>` (after) or `b<id>` (before); a bare number means after."""
    if raw is None or raw == "":
        return None
    direction, digits = (raw[:1], raw[1:]) if raw[:1] in ("a", "b") else ("a", raw)
    if not _ASCII_DIGITS.fullmatch(digits):
        raise BadParameter(name, "not a cursor this server issued.")
    return direction, int(digits)
