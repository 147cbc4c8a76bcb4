"""Chainable filters of permits (staff queue, public lists, spatial queries)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from django.contrib.gis.db.models.functions import Distance
from django.contrib.gis.geos import GEOSGeometry, Point
from django.db.models import F, QuerySet
from django.db.models.functions import Cast

from permits.workflow import PUBLIC_STATUSES, Status

if TYPE_CHECKING:
    from permits.models import Permit  # noqa: F401


class PermitQuerySet(QuerySet["Permit"]):
    def of_city(self, city_id: int) -> PermitQuerySet:
        return self.filter(city_id=city_id)

    def public(self) -> PermitQuerySet:
        return self.filter(status__in=[s.value for s in PUBLIC_STATUSES])

    def expiring_within(self, days: int, today: date) -> PermitQuerySet:
        """Issued permits whose expiry falls in [today, today + days]."""
        return self.filter(
            status=Status.ISSUED,
            expires_date__gte=today,
            expires_date__lte=today + timedelta(days=days),
        )

    def within_area(self, area: GEOSGeometry | Any) -> PermitQuerySet:
        return self.filter(point__intersects=area)

    def within_m(self, point: Point, radius_m: float) -> PermitQuerySet:
        """Within `radius_m` metres of `point`, nearest first, with `distance_m`
        (the geography cast matches the permit_point_geog_gist index)."""
        from django.contrib.gis.db import models

        geog = Cast("point", models.PointField(geography=True, srid=4326))
        target = Cast(_value(point), models.PointField(geography=True, srid=4326))
        return (
            self.annotate(geog=geog)
            .filter(geog__dwithin=(target, radius_m))
            .annotate(distance=Distance("geog", target))
            .order_by("distance", "id")
        )

    def with_days_to_issue(self) -> PermitQuerySet:
        return self.annotate(days_to_issue=F("issued_date") - F("applied_date"))


def _value(point: Point) -> Any:
    from django.contrib.gis.db.models import PointField
    from django.db.models import Value

    return Value(point, output_field=PointField(srid=4326))
