"""Coordinate reference systems the engine serves (OGC API Features Part 2).

Only this closed list is accepted from clients, as OGC URIs or `EPSG:<code>`; PostGIS
reprojects with ST_Transform. EPSG:4326 is latitude-first in OGC APIs, CRS84 is
longitude-first: axis order is handled here, once.
"""

from __future__ import annotations

from dataclasses import dataclass

from layers.engine.params import BadParameter


@dataclass(frozen=True)
class Crs:
    uri: str
    srid: int
    # True when the CRS's first axis is northing/latitude (EPSG:4326).
    lat_first: bool = False
    # Default number of decimals when writing coordinates.
    precision: int = 7

    @property
    def is_storage(self) -> bool:
        return self.srid == 4326


CRS84 = Crs("http://www.opengis.net/def/crs/OGC/1.3/CRS84", 4326)
EPSG4326 = Crs("http://www.opengis.net/def/crs/EPSG/0/4326", 4326, lat_first=True)
EPSG3857 = Crs("http://www.opengis.net/def/crs/EPSG/0/3857", 3857, precision=2)
EPSG32748 = Crs("http://www.opengis.net/def/crs/EPSG/0/32748", 32748, precision=2)

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


def content_crs_header(crs: Crs) -> str:
    return f"<{crs.uri}>"
