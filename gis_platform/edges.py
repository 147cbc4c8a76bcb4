"""Checks every request value passes at the edge, before it reaches a service or GEOS.

Learned from a hostile tester: `str.isdigit()` accepts Unicode digits that `int()`
refuses, NUL bytes break PostgreSQL text, control characters break XML feeds, JSON
bodies may be lists or strings, and GEOS aborts the process on coordinates such as
1e308. Each helper raises `EdgeError` with a message a client can act on; views turn
it into a 400 (or a form error) and change nothing.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from typing import Any

# C0 controls except TAB, LF and CR; DEL; C1 controls. Not allowed in XML 1.0 either.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_ASCII_INT = re.compile(r"[+-]?[0-9]{1,18}")
_ASCII_FLOAT = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")

# Valid coordinate ranges in degrees (EPSG:4326/CRS84) and metres (projected CRSs
# the platform accepts: 3857 and UTM zones). Anything beyond is refused before GEOS.
LON_RANGE = (-180.0, 180.0)
LAT_RANGE = (-90.0, 90.0)
PROJECTED_LIMIT_M = 2.1e7


class EdgeError(ValueError):
    """A request value refused at the edge; `field` names it, `message` says why."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def has_control_chars(value: str) -> bool:
    return bool(_CONTROL.search(value))


def clean_text(
    value: Any,
    field: str,
    *,
    max_length: int | None = None,
    multiline: bool = True,
    required: bool = False,
) -> str:
    """A text value with no NUL or control characters (TAB/LF/CR kept when multiline).

    Refuses rather than strips: a client learns its input was wrong and nothing
    half-stored leaves the platform later (e.g. into an XML feed)."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise EdgeError(field, "must be text.")
    if "\x00" in value or has_control_chars(value):
        raise EdgeError(field, "contains control characters.")
    if not multiline and ("\n" in value or "\r" in value or "\t" in value):
        raise EdgeError(field, "must be a single line.")
    if max_length is not None and len(value) > max_length:
        raise EdgeError(field, f"is longer than {max_length} characters.")
    if required and not value.strip():
        raise EdgeError(field, "is required.")
    return value


def parse_int(
    value: Any,
    field: str,
    *,
    minimum: int | None = None,
    maximum: int | None = None,
) -> int:
    """An integer from ASCII digits only (or a JSON int, not a bool)."""
    if isinstance(value, bool):
        raise EdgeError(field, "must be a whole number.")
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and _ASCII_INT.fullmatch(value.strip()):
        number = int(value.strip())
    else:
        raise EdgeError(field, "must be a whole number written with digits 0-9.")
    if minimum is not None and number < minimum:
        raise EdgeError(field, f"must be at least {minimum}.")
    if maximum is not None and number > maximum:
        raise EdgeError(field, f"must be at most {maximum}.")
    return number


def parse_float(
    value: Any,
    field: str,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
) -> float:
    """A finite float from ASCII text or a JSON number (never NaN/Infinity/bool)."""
    if isinstance(value, bool):
        raise EdgeError(field, "must be a number.")
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str) and _ASCII_FLOAT.fullmatch(value.strip()):
        number = float(value.strip())
    else:
        raise EdgeError(field, "must be a number written with digits 0-9.")
    if not math.isfinite(number):
        raise EdgeError(field, "must be a finite number.")
    if minimum is not None and number < minimum:
        raise EdgeError(field, f"must be at least {minimum}.")
    if maximum is not None and number > maximum:
        raise EdgeError(field, f"must be at most {maximum}.")
    return number


def require_object(body: Any, field: str = "body") -> dict[str, Any]:
    """A JSON body must be an object: `[1,2]` or `"abc"` is a 400, not a crash."""
    if not isinstance(body, dict):
        raise EdgeError(field, "must be a JSON object.")
    return body


def check_lon_lat(lon: float, lat: float, field: str = "geometry") -> None:
    if not (math.isfinite(lon) and math.isfinite(lat)):
        raise EdgeError(field, "coordinates must be finite numbers.")
    if not (LON_RANGE[0] <= lon <= LON_RANGE[1]):
        raise EdgeError(field, f"longitude {lon:g} is outside -180..180.")
    if not (LAT_RANGE[0] <= lat <= LAT_RANGE[1]):
        raise EdgeError(field, f"latitude {lat:g} is outside -90..90.")


def check_coordinates(
    coordinates: Any, field: str = "geometry", *, srid: int = 4326
) -> None:
    """Walk nested GeoJSON coordinates; refuse non-numbers and out-of-range values.

    Call before building any GEOS geometry: GEOS 3.11 aborts the process on some
    huge values (e.g. 1e308 in the WKT writer)."""
    for x, y in _positions(coordinates, field):
        if srid == 4326:
            check_lon_lat(x, y, field)
        elif not (abs(x) <= PROJECTED_LIMIT_M and abs(y) <= PROJECTED_LIMIT_M):
            raise EdgeError(field, "coordinates are outside the CRS's valid range.")


def _positions(value: Any, field: str) -> Iterable[tuple[float, float]]:
    if not isinstance(value, list | tuple) or not value:
        raise EdgeError(field, "coordinates must be a non-empty array.")
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in value):
        if len(value) < 2:
            raise EdgeError(field, "a position needs at least two numbers.")
        x, y = float(value[0]), float(value[1])
        if not (math.isfinite(x) and math.isfinite(y)):
            raise EdgeError(field, "coordinates must be finite numbers.")
        yield x, y
        return
    for item in value:
        yield from _positions(item, field)
