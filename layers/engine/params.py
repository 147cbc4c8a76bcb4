"""Strict parsing of request parameters shared by every API of the engine.

Each parser raises BadParameter with a message a client can act on; nothing from a
request reaches SQL except as a bound parameter.
"""

from __future__ import annotations

import math

from django.conf import settings


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
    try:
        values = [float(p) for p in parts]
    except ValueError:
        raise BadParameter(name, "every value must be a number.") from None
    if any(not math.isfinite(v) for v in values):
        raise BadParameter(name, "values must be finite numbers.")
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
    if not raw.isdigit():
        raise BadParameter("limit", "must be a positive whole number.")
    value = int(raw)
    if value < 1:
        raise BadParameter("limit", "must be at least 1.")
    return min(value, maximum)


def parse_int(
    raw: str | None, name: str, *, minimum: int = 0, maximum: int | None = None
) -> int | None:
    if raw is None or raw == "":
        return None
    if not raw.lstrip("-").isdigit() or len(raw) > 18:
        raise BadParameter(name, "must be a whole number.")
    value = int(raw)
    if value < minimum or (maximum is not None and value > maximum):
        raise BadParameter(name, f"must be between {minimum} and {maximum}.")
    return value
