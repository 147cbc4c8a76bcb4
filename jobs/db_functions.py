"""Thin wrappers for the PostGIS operators the ORM lacks."""

from __future__ import annotations

import math
from typing import Any

from django.contrib.gis.geos import Point
from django.db.models import BooleanField, FloatField, Func, Value


class GeogPoint(Func):
    """A point as a geography value: ST_GeogFromText('SRID=4326;POINT(x y)')."""

    function = "ST_GeogFromText"

    def __init__(self, point: Point, **extra: Any) -> None:
        super().__init__(Value(point.ewkt), **extra)


class KnnDistance(Func):
    """`a <-> b`: PostGIS's index-assisted distance (metres on the sphere for
    geography), for ORDER BY nearest first with a GiST index on `a`."""

    arg_joiner = " <-> "
    template = "(%(expressions)s)"
    output_field = FloatField()


class BoxOverlaps(Func):
    """`a && b`: bounding boxes overlap (answered by a GiST index on `a`)."""

    arg_joiner = " && "
    template = "(%(expressions)s)"
    output_field = BooleanField()


class GeogEnvelope(Func):
    """The geography box around `point` holding every place within `radius_m` (plus
    a margin): ST_MakeEnvelope(...)::geography, for an index condition that bounds a
    nearest-first scan."""

    template = "ST_MakeEnvelope(%(expressions)s, 4326)::geography"

    def __init__(self, point: Point, radius_m: float, **extra: Any) -> None:
        values = envelope(point, radius_m)
        super().__init__(*(Value(v) for v in values), **extra)


def envelope(point: Point, radius_m: float) -> tuple[float, float, float, float]:
    """(xmin, ymin, xmax, ymax) in degrees: the box around the circle of `radius_m`
    metres about `point`, with a 1 % margin."""
    # Metres per degree of latitude; a longitude degree shrinks with cos(lat).
    margin = 1.01 * radius_m / 111_320
    cos_lat = max(math.cos(math.radians(point.y)), 0.01)
    return (
        point.x - margin / cos_lat,
        max(point.y - margin, -90.0),
        point.x + margin / cos_lat,
        min(point.y + margin, 90.0),
    )


class SphereDistance(Func):
    """ST_Distance(a, b, false): metres between two geographies on the sphere (what
    `<->` orders by), a tenth of the spheroid's cost per row."""

    function = "ST_Distance"
    template = "%(function)s(%(expressions)s, false)"
    output_field = FloatField()


class GeomX(Func):
    """ST_X: a point's longitude as a number (no geometry object to build)."""

    function = "ST_X"
    output_field = FloatField()


class GeomY(Func):
    function = "ST_Y"
    output_field = FloatField()
