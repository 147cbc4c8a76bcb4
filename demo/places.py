"""Cleaning the demo's OpenStreetMap places before they become layers.

The extract was cut with a 2 km buffer around Kota Tangerang, so 14 of its 35
hospitals and 55 of its 105 schools lie in the neighbouring regencies; and OSM maps
some places twice (a node for the entrance and a way for the building). The demo keeps
places inside the city or within MARGIN_M of its boundary (a hospital across the
boundary road still serves the city), and of places with the same normalised name
within DUPLICATE_M of each other only the first (places inside the city first, then
file order)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Any

from django.contrib.gis.geos import GEOSGeometry, Point

MARGIN_M = 200
DUPLICATE_M = 150


def utm_srid(geom: GEOSGeometry) -> int:
    """The WGS 84 / UTM zone (EPSG:326xx north, 327xx south) holding `geom`'s centre."""
    centre = geom.centroid
    zone = min(int((centre.x + 180) // 6) + 1, 60)
    return (32700 if centre.y < 0 else 32600) + zone


def normalised_name(name: Any) -> str:
    text = unicodedata.normalize("NFKD", str(name or "")).lower()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


def clean_places(
    features: Iterable[dict[str, Any]],
    boundary: GEOSGeometry,
    *,
    margin_m: float = MARGIN_M,
    duplicate_m: float = DUPLICATE_M,
) -> list[dict[str, Any]]:
    """The GeoJSON point `features` inside `boundary` (EPSG:4326) or within
    `margin_m` of it, without same-name duplicates closer than `duplicate_m`."""
    srid = utm_srid(boundary)
    area = boundary.transform(srid, clone=True)
    inside = area.prepared
    near = area.buffer(margin_m).prepared
    candidates = []
    for order, feature in enumerate(features):
        lon, lat = feature["geometry"]["coordinates"][:2]
        point = Point(lon, lat, srid=4326).transform(srid, clone=True)
        if near.contains(point):
            candidates.append((not inside.contains(point), order, point, feature))
    kept: list[tuple[int, str, GEOSGeometry, dict[str, Any]]] = []
    for _outside, order, point, feature in sorted(candidates, key=lambda c: c[:2]):
        name = normalised_name(feature["properties"].get("name"))
        if name and any(
            name == other and point.distance(where) <= duplicate_m
            for _o, other, where, _f in kept
        ):
            continue
        kept.append((order, name, point, feature))
    # Back to file order, so a second run writes the same file.
    return [feature for _o, _n, _p, feature in sorted(kept, key=lambda k: k[0])]
