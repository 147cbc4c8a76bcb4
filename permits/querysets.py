"""Chainable filters of permits (staff queue, public lists, spatial queries)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from django.contrib.gis.db.models.functions import Distance
from django.contrib.gis.geos import GEOSGeometry, Point
from django.db.models import DateField, F, Func, QuerySet
from django.db.models.functions import Cast

from permits.workflow import PUBLIC_STATUSES, Status

if TYPE_CHECKING:
    from permits.models import Permit  # noqa: F401


class PermitQuerySet(QuerySet["Permit"]):
    def of_city(self, city_id: int | Any) -> PermitQuerySet:
        return self.filter(city_id=city_id)

    def public(self) -> PermitQuerySet:
        return self.filter(status__in=[s.value for s in PUBLIC_STATUSES])

    def expiring_within(self, days: int, today: date | CityToday) -> PermitQuerySet:
        """Issued permits whose expiry falls in [today, today + days]. `today` is a
        date, or a CityToday when the city's date is read inside the statement."""
        until = (
            today + timedelta(days=days)
            if isinstance(today, date)
            else today.plus(days)
        )
        return self.filter(
            status=Status.ISSUED, expires_date__gte=today, expires_date__lte=until
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


class CityToday(Func):
    """The local date (+ `days`) in a time zone given by an SQL expression (a
    subquery reading the city's `time_zone`): the city's "today" computed by
    PostgreSQL, so a statement needs no earlier query for the city."""

    output_field = DateField()

    def __init__(self, zone: Any, days: int = 0) -> None:
        super().__init__(zone)
        self.days = int(days)

    def plus(self, days: int) -> CityToday:
        return CityToday(self.get_source_expressions()[0], self.days + int(days))

    def as_sql(  # type: ignore[override]
        self, compiler: Any, connection: Any, **extra_context: Any
    ) -> tuple[str, list[Any]]:
        zone_sql, zone_params = compiler.compile(self.get_source_expressions()[0])
        sql = f"((now() AT TIME ZONE {zone_sql})::date + %s)"
        return sql, [*zone_params, self.days]


def _value(point: Point) -> Any:
    from django.contrib.gis.db.models import PointField
    from django.db.models import Value

    return Value(point, output_field=PointField(srid=4326))
