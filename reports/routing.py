"""Where a point is (kelurahan, kecamatan) and which agency gets a report there."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.gis.db.models.functions import Distance
from django.contrib.gis.geos import Point
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from reports.models import Category, RoutingRule
from tenancy.models import AdminArea, Agency, City

# A point this close to a kelurahan still counts as in it: boundary files have slivers
# and gaps between neighbours, and a phone's fix near the city edge wobbles.
SLIVER_TOLERANCE_M = 100


class OutsideCity(ValueError):
    pass


@dataclass(frozen=True)
class Location:
    kelurahan: AdminArea | None
    kecamatan: AdminArea | None


def locate(city: City, point: Point) -> Location:
    """The kelurahan and kecamatan of `point`. A point in two kelurahan (overlapping
    slivers) gets the one with the lowest code; a point in none but within the
    tolerance gets the nearest. Outside the city raises OutsideCity."""
    kelurahan_qs = AdminArea.objects.filter(
        city=city, level=AdminArea.Level.KELURAHAN
    ).select_related("parent")
    kelurahan = kelurahan_qs.filter(geom__intersects=point).order_by("code").first()
    if kelurahan is None:
        kelurahan = _nearest(kelurahan_qs, point)
    if kelurahan is not None and kelurahan.parent_id:
        return Location(kelurahan, kelurahan.parent)
    kecamatan_qs = AdminArea.objects.filter(city=city, level=AdminArea.Level.KECAMATAN)
    kecamatan = kecamatan_qs.filter(geom__intersects=point).order_by("code").first()
    if kecamatan is None:
        kecamatan = _nearest(kecamatan_qs, point)
    if kelurahan is None and kecamatan is None and not city.boundary.intersects(point):
        raise OutsideCity(_("This place is outside %(city)s.") % {"city": city.name})
    return Location(kelurahan, kecamatan)


def _nearest(qs: QuerySet[AdminArea], point: Point) -> AdminArea | None:
    """The nearest area within the sliver tolerance, metres on the spheroid."""
    candidate = (
        qs.annotate(d=Distance("geom", point, spheroid=True))
        .order_by("d", "code")
        .first()
    )
    if candidate is None or candidate.d.m > SLIVER_TOLERANCE_M:
        return None
    return candidate


def route(category: Category, location: Location) -> Agency | None:
    """The agency for a category at a place: a kelurahan rule beats a kecamatan rule,
    which beats the category's own agency."""
    areas = [a.pk for a in (location.kelurahan, location.kecamatan) if a is not None]
    if areas:
        rules = {
            rule.area_id: rule.agency
            for rule in RoutingRule.objects.filter(
                city_id=category.city_id, category=category, area_id__in=areas
            ).select_related("agency")
        }
        for area in areas:
            if area in rules:
                return rules[area]
    return category.agency
