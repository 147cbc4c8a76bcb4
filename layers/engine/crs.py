"""Coordinate reference systems the engine serves (OGC API Features Part 2).

Only this closed list is accepted from clients, as OGC URIs or `EPSG:<code>`; PostGIS
reprojects with ST_Transform. EPSG:4326 is latitude-first in OGC APIs, CRS84 is
longitude-first: axis order is handled here, once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gis_platform.edges import EdgeError, check_coordinates
from layers.engine.params import BadParameter


@dataclass(frozen=True)
class Crs:
    uri: str
    srid: int
    # True when the CRS's first axis is northing/latitude (EPSG:4326).
    lat_first: bool = False
    # Default number of decimals when writing coordinates.
    precision: int = 7
    # (min_x, min_y, max_x, max_y) PROJ can transform, x = easting/longitude. Values
    # outside are refused before any GEOS call or ST_Transform (which fails with
    # "Point outside of projection domain" mid-query).
    bounds: tuple[float, float, float, float] = (-180.0, -90.0, 180.0, 90.0)

    @property
    def is_storage(self) -> bool:
        return self.srid == 4326


CRS84 = Crs("http://www.opengis.net/def/crs/OGC/1.3/CRS84", 4326)
EPSG4326 = Crs("http://www.opengis.net/def/crs/EPSG/0/4326", 4326, lat_first=True)
_MERC = 20037508.342789244
EPSG3857 = Crs(
    "http://www.opengis.net/def/crs/EPSG/0/3857",
    3857,
    precision=2,
    bounds=(-_MERC, -_MERC, _MERC, _MERC),
)
# UTM 48S: PROJ transforms eastings within about 1.5e7 m of the central meridian
# (500 km); 1e7 m either side and northings -1e7..2e7 m are well inside that.
EPSG32748 = Crs(
    "http://www.opengis.net/def/crs/EPSG/0/32748",
    32748,
    precision=2,
    bounds=(-9.5e6, -1e7, 1.05e7, 2e7),
)

SUPPORTED: tuple[Crs, ...] = (CRS84, EPSG4326, EPSG3857, EPSG32748)
_BY_URI = {crs.uri: crs for crs in SUPPORTED}
_ALIASES = {
    "CRS84": CRS84,
    "OGC:CRS84": CRS84,
    "EPSG:4326": EPSG4326,
    "EPSG:3857": EPSG3857,
    "EPSG:32748": EPSG32748,
}


def parse_crs(raw: str | None, name: str = "crs") -> Crs:
    """The CRS a client asked for, CRS84 when it asked for none."""
    if raw is None or raw == "":
        return CRS84
    value = raw.strip()
    if value.startswith("[") and value.endswith("]"):  # safe CURIE, e.g. [EPSG:3857]
        value = value[1:-1]
    crs = _BY_URI.get(value) or _ALIASES.get(value.upper())
    if crs is None:
        supported = ", ".join(c.uri for c in SUPPORTED)
        raise BadParameter(name, f"unsupported CRS; use one of {supported}.")
    return crs


def bbox_to_xy(
    bbox: tuple[float, float, float, float], crs: Crs
) -> tuple[float, float, float, float]:
    """A bbox in the CRS's axis order, returned as (min_x, min_y, max_x, max_y)."""
    if crs.lat_first:
        return bbox[1], bbox[0], bbox[3], bbox[2]
    return bbox


def check_xy(x: float, y: float, crs: Crs, field: str) -> None:
    """Refuse a position (in x/lon-first order) outside the CRS's range."""
    min_x, min_y, max_x, max_y = crs.bounds
    if not (min_x <= x <= max_x and min_y <= y <= max_y):
        raise BadParameter(
            field, f"coordinates are outside the valid range of {crs.uri}."
        )


def check_geojson_coordinates(coordinates: Any, crs: Crs, field: str) -> None:
    """Nested GeoJSON coordinates in the CRS's axis order, checked before GEOS sees
    them: numbers only, finite, inside the CRS's range (GEOS 3.11 aborts the whole
    process on values such as 1e308)."""
    try:
        # Finite numbers in nested arrays, and for lon/lat the degree ranges.
        check_coordinates(
            _lon_first(coordinates) if crs.lat_first else coordinates,
            field,
            srid=crs.srid,
        )
    except EdgeError as exc:
        raise BadParameter(field, exc.message) from None
    for x, y in _pairs(coordinates):
        if crs.lat_first:
            x, y = y, x
        check_xy(x, y, crs, field)


def _lon_first(value: Any) -> Any:
    if isinstance(value, list | tuple):
        if len(value) >= 2 and not isinstance(value[0], list | tuple):
            return [value[1], value[0], *value[2:]]
        return [_lon_first(v) for v in value]
    return value


def _pairs(value: Any) -> list[tuple[float, float]]:
    # Only called after check_coordinates accepted the structure.
    if value and not isinstance(value[0], list | tuple):
        return [(float(value[0]), float(value[1]))]
    return [pair for item in value for pair in _pairs(item)]


def content_crs_header(crs: Crs) -> str:
    return f"<{crs.uri}>"
