"""Thin wrappers for the PostGIS operators the ORM lacks."""

from __future__ import annotations

from typing import Any

from django.contrib.gis.geos import Point
from django.db.models import FloatField, Func, Value


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
