"""Reads of facilities: nearest N of each kind (one KNN query), the help page's
rows, and staleness of bed counts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.utils.translation import get_language

from facilities import opening_hours, phones
from facilities.models import BedAvailability, Facility, FacilityKind
from layers.local_time import city_zone
from tenancy.models import AdminArea, City

MAX_PER_KIND = 20


@dataclass
class Beds:
    bed_type: str
    label: str
    available: int
    total: int
    updated_at: datetime
    stale: bool


@dataclass
class Nearby:
    id: int
    kind: str
    name: str
    lon: float
    lat: float
    distance_m: float
    address: str
    phones: list[str]
    opening_hours: str
    open_now: bool | None
    emergency_24h: bool
    hospital_class: str
    kelurahan: str
    kind_label: str = ""
    beds: list[Beds] = field(default_factory=list)

    @property
    def distance_km(self) -> float:
        return self.distance_m / 1000

    @property
    def phone_links(self) -> list[tuple[str, str]]:
        return [(phones.tel_uri(p), phones.display(p)) for p in self.phones]

    @property
    def geo_uri(self) -> str:
        """A directions link any phone's map app opens (RFC 5870), naming nothing on
        the internet."""
        return f"geo:{self.lat:.6f},{self.lon:.6f}?q={self.lat:.6f},{self.lon:.6f}"


def stale_after() -> timedelta:
    return timedelta(hours=settings.PETAKOTA_FACILITY_BEDS_STALE_H)


def is_stale(updated_at: datetime, now: datetime | None = None) -> bool:
    return (now or timezone.now()) - updated_at > stale_after()


def _nearest_sql(kinds: Sequence[str] | None) -> str:
    f = Facility._meta.db_table
    k = FacilityKind._meta.db_table
    a = AdminArea._meta.db_table
    b = BedAvailability._meta.db_table
    kind_filter = "AND k.code = ANY(%(kinds)s)" if kinds is not None else ""
    # Names from _meta and code, never from a request; values are parameters. One
    # statement: per kind (LATERAL) the N nearest by the geography GiST index's KNN
    # operator (`<->`, metres on the sphere), which is also the distance shown; the
    # areas' names and beds of only those rows.
    return f"""
        WITH here AS (
            SELECT ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326)::geography g
        )
        SELECT k.code, n.id, n.name, ST_X(n.geom), ST_Y(n.geom), n.distance_m,
               n.address, n.phones, n.opening_hours, n.emergency_24h,
               n.hospital_class, (SELECT a.name FROM {a} a WHERE a.id = n.kelurahan_id),
               k.name, k.name_en,
               (SELECT json_agg(json_build_array(b.bed_type, b.available, b.total,
                                                 b.updated_at) ORDER BY b.bed_type)
                FROM {b} b WHERE b.facility_id = n.id)
        FROM {k} k
        CROSS JOIN here
        CROSS JOIN LATERAL (
            SELECT f.id, f.name, f.geom, f.address, f.phones, f.opening_hours,
                   f.emergency_24h, f.hospital_class, f.kelurahan_id,
                   f.geom::geography(Point,4326) <-> here.g AS distance_m
            FROM {f} f
            WHERE f.city_id = k.city_id AND f.kind_id = k.id AND f.active
            ORDER BY f.geom::geography(Point,4326) <-> here.g
            LIMIT %(n)s
        ) n
        WHERE k.city_id = %(city)s {kind_filter}
        ORDER BY k."order", k.code, n.distance_m, n.id
    """  # noqa: S608


def nearest_rows(
    city_id: int,
    lon: float,
    lat: float,
    *,
    per_kind: int = 3,
    kinds: Sequence[str] | None = None,
) -> list[tuple[Any, ...]]:
    """The raw rows of the nearest `per_kind` active facilities of each kind (or of
    `kinds`) to (lon, lat): one SQL statement."""
    params: dict[str, Any] = {
        "lon": lon,
        "lat": lat,
        "n": per_kind,
        "city": city_id,
        "kinds": list(kinds) if kinds is not None else None,
    }
    with connection.cursor() as cursor:
        cursor.execute(_nearest_sql(kinds), params)
        return list(cursor.fetchall())


def nearest(
    city: City,
    lon: float,
    lat: float,
    *,
    per_kind: int = 3,
    kinds: Sequence[str] | None = None,
    with_beds: bool = True,
    now: datetime | None = None,
) -> list[Nearby]:
    """The nearest facilities of each kind, with open-now in the city's time zone
    and (for hospitals) beds with their staleness."""
    now = now or timezone.now()
    zone = city_zone(city)
    rows = nearest_rows(city.pk, lon, lat, per_kind=per_kind, kinds=kinds)
    english = (get_language() or "id").startswith("en")
    found = [
        Nearby(
            id=r[1],
            kind=r[0],
            name=r[2],
            lon=r[3],
            lat=r[4],
            distance_m=float(r[5]),
            address=r[6],
            phones=list(r[7] or []),
            opening_hours=r[8],
            open_now=True if r[9] else opening_hours.is_open(r[8], now, zone),
            emergency_24h=r[9],
            hospital_class=r[10],
            kelurahan=r[11] or "",
            kind_label=r[13] if english and r[13] else r[12],
        )
        for r in rows
    ]
    if with_beds:
        labels = dict(BedAvailability._meta.get_field("bed_type").flatchoices)
        limit = stale_after()
        for row, r in zip(found, rows, strict=True):
            for bed_type, available, total, stamp in r[14] or ():
                updated_at = datetime.fromisoformat(stamp)
                row.beds.append(
                    Beds(
                        bed_type=bed_type,
                        label=str(labels.get(bed_type, bed_type)),
                        available=available,
                        total=total,
                        updated_at=updated_at,
                        stale=now - updated_at > limit,
                    )
                )
    return found


def grouped(found: list[Nearby]) -> list[tuple[str, list[Nearby]]]:
    """Rows by kind, in the kinds' order (the query's)."""
    out: list[tuple[str, list[Nearby]]] = []
    for row in found:
        if not out or out[-1][0] != row.kind:
            out.append((row.kind, []))
        out[-1][1].append(row)
    return out


def nearby_json(row: Nearby, now: datetime | None = None) -> dict[str, Any]:
    now = now or timezone.now()
    return {
        "id": row.id,
        "kind": row.kind,
        "kind_name": row.kind_label,
        "name": row.name,
        "lon": round(row.lon, 7),
        "lat": round(row.lat, 7),
        "distance_m": round(row.distance_m),
        "address": row.address,
        "kelurahan": row.kelurahan,
        "phones": row.phones,
        "opening_hours": row.opening_hours,
        "open_now": row.open_now,
        "emergency_24h": row.emergency_24h,
        "hospital_class": row.hospital_class,
        "beds": [
            {
                "type": b.bed_type,
                "label": b.label,
                "available": b.available,
                "total": b.total,
                "updated_at": b.updated_at.isoformat(),
                "age_s": int((now - b.updated_at).total_seconds()),
                "stale": b.stale,
            }
            for b in row.beds
        ],
    }


def kelurahan_centre(city: City, code: str) -> tuple[float, float] | None:
    """A point inside the kelurahan `code` (its point on surface) as (lon, lat)."""
    from django.contrib.gis.db.models.functions import PointOnSurface

    area = (
        AdminArea.objects.filter(city=city, level=AdminArea.Level.KELURAHAN, code=code)
        .annotate(p=PointOnSurface("geom"))
        .values_list("p", flat=True)
        .first()
    )
    if area is None:
        return None
    return (area.x, area.y)


def kinds_of(city: City) -> list[FacilityKind]:
    return list(FacilityKind.objects.filter(city=city).order_by("order", "code"))
