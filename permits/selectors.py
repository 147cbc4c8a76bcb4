"""Reads of permits that shape output: the filtered list (public or staff), one
permit's public page and timeline, statistics per kecamatan and type, exports.

Only the public columns of permits/sources.py (PUBLIC_PROPERTIES) ever leave through
`public_properties`; the staff pages read the model directly."""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.contrib.gis.geos import GEOSGeometry, Point
from django.db import connection
from django.db.models import (
    Aggregate,
    Case,
    Count,
    F,
    FloatField,
    Func,
    IntegerField,
    Q,
    Subquery,
    Value,
    When,
)
from django.utils import timezone

from permits.models import PUBLIC_STATUSES, Permit, PermitEvent
from permits.querysets import PermitQuerySet
from tenancy.access import Scope
from tenancy.models import AdminArea, City

# A city as a statement names it: its id, or a subquery finding it.
CityRef = int | Subquery


def city_today(city: City) -> date:
    return timezone.localtime(timezone.now(), zoneinfo.ZoneInfo(city.time_zone)).date()


@dataclass
class PermitFilter:
    """What a list asks for; every value already checked at the edge."""

    permit_type: str = ""
    status: tuple[str, ...] = ()
    kecamatan: AdminArea | None = None
    # A kecamatan code or name not yet looked up: resolved inside the statement
    # (kecamatan_area) by the one-statement GeoJSON path.
    kecamatan_key: str = ""
    within: GEOSGeometry | None = None
    expiring_days: int | None = None
    near: Point | None = None
    radius_m: float | None = None
    number: str = ""
    limit: int = 1000


def visible_permits(city: City, scope: Scope | None) -> PermitQuerySet:
    """Public permits for everyone; staff also see their agencies' applications."""
    rows = Permit.objects.of_city(city.pk)
    if scope is None:
        return rows.public()
    if scope.all_agencies:
        return rows
    return rows.public() | rows.filter(agency_id__in=scope.agency_ids)


def filtered(
    rows: PermitQuerySet,
    f: PermitFilter,
    today: date,
    city_ref: CityRef | None = None,
) -> PermitQuerySet:
    """`rows` narrowed by `f`. A kecamatan given by key (not yet looked up) needs
    `city_ref`, the city's id or an expression for it."""
    if f.permit_type:
        rows = rows.filter(permit_type__code=f.permit_type)
    if f.status:
        rows = rows.filter(status__in=f.status)
    if f.kecamatan is not None:
        # The polygon stays in the database (a subquery), never sent back and forth.
        rows = rows.within_area(
            Subquery(AdminArea.objects.filter(pk=f.kecamatan.pk).values("geom")[:1])
        )
    elif f.kecamatan_key:
        if city_ref is None:
            raise ValueError("a kecamatan key needs the city")
        rows = rows.within_area(kecamatan_area(city_ref, f.kecamatan_key, "geom"))
    if f.within is not None:
        rows = rows.within_area(f.within)
    if f.expiring_days is not None:
        rows = rows.expiring_within(f.expiring_days, today)
    if f.number:
        rows = rows.filter(number__iexact=f.number)
    if f.near is not None and f.radius_m is not None:
        return rows.within_m(f.near, f.radius_m)
    return rows.order_by("expires_date", "id") if f.expiring_days else rows


def kecamatans(city_ref: CityRef, key: str) -> Any:
    """The city's kecamatan whose code is `key` first, else whose name is `key`
    (any case): the lookup parse_filter does, for a subquery."""
    return (
        AdminArea.objects.filter(city_id=city_ref, level=AdminArea.Level.KECAMATAN)
        .filter(Q(code=key) | Q(name__iexact=key))
        .order_by(Case(When(code=key, then=Value(0)), default=Value(1)), "name", "id")
    )


def kecamatan_area(city_ref: CityRef, key: str, column: str) -> Subquery:
    return Subquery(kecamatans(city_ref, key).values(column)[:1])


@dataclass
class GeoJSONAnswer:
    city_id: int | None
    kecamatan_id: int | None
    body: bytes


# The FeatureCollection built by PostgreSQL (json_build_object keeps key order):
# the same names, order and values (rounding included) as feature_collection.
_FEATURE_SQL = """json_build_object(
    'type', 'Feature', 'id', s.id,
    'geometry', json_build_object(
        'type', 'Point', 'coordinates', json_build_array(s.f_lon, s.f_lat)),
    'properties', json_build_object(
        'PermitNum', s.number, 'PermitType', s.f_type, 'PermitTypeDesc', s.f_type_name,
        'Description', s.description, 'BusinessName', s.business_name,
        'StatusCurrent', s.status, 'AppliedDate', s.applied_date,
        'IssuedDate', s.issued_date, 'ExpiresDate', s.expires_date,
        'CompletedDate', s.completed_date, 'Latitude', s.f_lat, 'Longitude', s.f_lon,
        'kelurahan', s.f_kelurahan, 'kecamatan', s.f_kecamatan{distance}))"""
_ORDER_COLUMNS = {"id", "applied_date", "expires_date", "distance"}


def _rounded(function: str, digits: int) -> Func:
    return Func(
        F("point"),
        template=f"round({function}(%(expressions)s)::numeric, {digits})::float8",
        output_field=FloatField(),
    )


def geojson_statement(rows: PermitQuerySet, limit: int) -> tuple[str, list[Any]]:
    """One SELECT returning the FeatureCollection of `rows` (ordered as they are,
    at most `limit`) as JSON text, built inside PostgreSQL."""
    near = "distance" in rows.query.annotations
    fields = [
        "id",
        "number",
        "status",
        "applied_date",
        "issued_date",
        "expires_date",
        "completed_date",
        "business_name",
        "description",
    ]
    inner = rows.annotate(
        f_lon=_rounded("ST_X", 6),
        f_lat=_rounded("ST_Y", 6),
        f_type=F("permit_type__code"),
        f_type_name=F("permit_type__name"),
        f_kelurahan=F("kelurahan__name"),
        f_kecamatan=F("kecamatan__name"),
    ).values(
        *fields,
        "f_lon",
        "f_lat",
        "f_type",
        "f_type_name",
        "f_kelurahan",
        "f_kecamatan",
        *(["distance"] if near else []),
    )[:limit]
    sql, params = inner.query.sql_with_params()
    order = _agg_order(rows.query.order_by or Permit._meta.ordering or ())
    statement = _wrap(sql, order, near)
    return statement, list(params)


def public_geojson_statement(slug: str, f: PermitFilter) -> tuple[str, list[Any], str]:
    """The public list's statement written out (no ORM compile per request: the
    hot path), the same filters and order as `filtered(visible_permits(city,
    None), f, today)` (tests compare the bodies). Returns (sql, params, the
    FeatureCollection's json_agg ORDER BY); selects the same columns as
    geojson_statement's inner query."""
    table = Permit._meta.db_table
    areas = AdminArea._meta.db_table
    cities = City._meta.db_table
    types = Permit._meta.get_field("permit_type").related_model._meta.db_table  # type: ignore[union-attr]
    city = f"(SELECT c.id FROM {cities} c WHERE c.slug = %s)"  # noqa: S608
    where = [f"p.city_id = {city}", "p.status = ANY(%s)"]
    params: list[Any] = [slug, [s.value for s in PUBLIC_STATUSES]]
    if f.permit_type:
        where.append("t.code = %s")
        params.append(f.permit_type)
    if f.status:
        where.append("p.status = ANY(%s)")
        params.append(list(f.status))
    if f.kecamatan_key:
        where.append(
            "ST_Intersects(p.point, (SELECT k.geom FROM "  # noqa: S608
            f"{areas} k WHERE k.city_id = {city} AND k.level = 'kecamatan' "
            "AND (k.code = %s OR UPPER(k.name) = UPPER(%s)) "
            "ORDER BY (k.code = %s) DESC, k.name, k.id LIMIT 1))"
        )
        params += [slug, f.kecamatan_key, f.kecamatan_key, f.kecamatan_key]
    if f.within is not None:
        where.append("ST_Intersects(p.point, ST_GeomFromEWKB(%s))")
        params.append(bytes(f.within.ewkb))
    if f.expiring_days is not None:
        today = (
            f"(SELECT (now() AT TIME ZONE c.time_zone)::date FROM {cities} c "  # noqa: S608
            "WHERE c.slug = %s)"
        )
        where.append(
            f"p.status = 'issued' AND p.expires_date >= {today} "
            f"AND p.expires_date <= {today} + %s"
        )
        params += [slug, slug, int(f.expiring_days)]
    if f.number:
        where.append("UPPER(p.number::text) = UPPER(%s)")
        params.append(f.number)
    distance = ""
    if f.near is not None and f.radius_m is not None:
        geog = "p.point::geography(Point,4326)"
        target = "ST_SetSRID(ST_MakePoint(%s, %s), 4326)::geography(Point,4326)"
        where.append(f"ST_DWithin({geog}, {target}, %s)")
        params += [f.near.x, f.near.y, float(f.radius_m)]
        distance = f", ST_Distance({geog}, {target}) AS distance"
        params_distance = [f.near.x, f.near.y]
        order = ["distance", "id"]
    else:
        params_distance = []
        order = ["expires_date", "id"] if f.expiring_days else ["-applied_date", "-id"]
    columns = (
        "p.id, p.number, p.status, p.applied_date, p.issued_date, p.expires_date, "
        "p.completed_date, p.business_name, p.description, "
        "round(ST_X(p.point)::numeric, 6)::float8 AS f_lon, "
        "round(ST_Y(p.point)::numeric, 6)::float8 AS f_lat, "
        "t.code AS f_type, t.name AS f_type_name, "
        "kel.name AS f_kelurahan, kec.name AS f_kecamatan"
    )
    order_sql = ", ".join(
        (o.lstrip("-") + (" DESC" if o.startswith("-") else "")) for o in order
    )
    sql = (
        f"SELECT {columns}{distance} FROM {table} p "  # noqa: S608
        f"JOIN {types} t ON t.id = p.permit_type_id "
        f"LEFT JOIN {areas} kel ON kel.id = p.kelurahan_id "
        f"LEFT JOIN {areas} kec ON kec.id = p.kecamatan_id "
        f"WHERE {' AND '.join(where)} ORDER BY {order_sql} LIMIT %s"
    )
    # The SELECT list's placeholders come before the WHERE clause's.
    return sql, [*params_distance, *params, int(f.limit)], _agg_order(order)


def _agg_order(order: Any) -> str:
    out = []
    for name in order:
        column = str(name).lstrip("-")
        if column not in _ORDER_COLUMNS:
            raise ValueError(f"cannot keep the order by {name}")
        out.append(f"s.{column}" + (" DESC" if str(name).startswith("-") else ""))
    return ", ".join(out)


def _wrap(inner_sql: str, order: str, near: bool) -> str:
    distance = ", 'distance_m', round(s.distance::numeric, 1)::float8" if near else ""
    feature = _FEATURE_SQL.format(distance=distance)
    return (
        "SELECT json_build_object('type', 'FeatureCollection', "  # noqa: S608
        "'numberReturned', count(*), 'features', "
        f"coalesce(json_agg({feature} ORDER BY {order}), '[]'::json))"
        f"::text FROM ({inner_sql}) s"
    )


def public_geojson_answer(slug: str, f: PermitFilter) -> GeoJSONAnswer:
    """The public list (city by slug, kecamatan by key) in ONE written-out
    statement: the city's id, the kecamatan's id and the FeatureCollection."""
    inner, params, order = public_geojson_statement(slug, f)
    statement = _wrap(inner, order, f.near is not None and f.radius_m is not None)
    cities = City._meta.db_table
    areas = AdminArea._meta.db_table
    city_sql = f"SELECT c.id FROM {cities} c WHERE c.slug = %s"  # noqa: S608
    kec_sql, kec_params = "NULL::int", []
    if f.kecamatan_key:
        kec_sql = (
            f"SELECT k.id FROM {areas} k WHERE k.city_id = ({city_sql}) "  # noqa: S608
            "AND k.level = 'kecamatan' AND (k.code = %s OR UPPER(k.name) = UPPER(%s)) "
            "LIMIT 1"
        )
        kec_params = [slug, f.kecamatan_key, f.kecamatan_key]
    sql = f"SELECT ({city_sql}), ({kec_sql}), ({statement})"
    with connection.cursor() as cursor:
        cursor.execute(sql, [slug, *kec_params, *params])
        city_id, kecamatan_id, body = cursor.fetchone()
    return GeoJSONAnswer(city_id, kecamatan_id, body.encode())


def geojson_answer(
    rows: PermitQuerySet,
    limit: int,
    city_ref: CityRef,
    kecamatan_key: str = "",
) -> GeoJSONAnswer:
    """The FeatureCollection of `rows` with the city's id and the kecamatan's id
    (None: no such city / kecamatan), all from ONE statement."""
    statement, params = geojson_statement(rows, limit)
    city_sql, city_params = _scalar_sql(
        city_ref.query
        if isinstance(city_ref, Subquery)
        else City.objects.filter(pk=city_ref).order_by().values("pk").query
    )
    if kecamatan_key:
        kec_sql, kec_params = _scalar_sql(
            kecamatans(city_ref, kecamatan_key).values("pk")[:1].query
        )
    else:
        kec_sql, kec_params = "NULL::int", []
    # The FeatureCollection statement becomes a scalar subquery of the answer.
    sql = f"SELECT ({city_sql}), ({kec_sql}), ({statement})"
    with connection.cursor() as cursor:
        cursor.execute(sql, [*city_params, *kec_params, *params])
        city_id, kecamatan_id, body = cursor.fetchone()
    return GeoJSONAnswer(city_id, kecamatan_id, body.encode())


def _scalar_sql(query: Any) -> tuple[str, list[Any]]:
    sql, params = query.sql_with_params()
    return sql, list(params)


PUBLIC_FIELDS = (
    "id",
    "number",
    "status",
    "applied_date",
    "issued_date",
    "expires_date",
    "completed_date",
    "business_name",
    "description",
    "permit_type__code",
    "permit_type__name",
    "kelurahan__name",
    "kecamatan__name",
)


def public_rows(rows: PermitQuerySet, *extra: str) -> Any:
    """`values()` rows of PUBLIC_FIELDS plus lon/lat computed by PostGIS (reading
    them from GEOS points in Python costs more than the query)."""
    return rows.annotate(
        lon=Func(F("point"), function="ST_X", output_field=FloatField()),
        lat=Func(F("point"), function="ST_Y", output_field=FloatField()),
    ).values(*PUBLIC_FIELDS, "lon", "lat", *extra)


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def public_properties(row: dict[str, Any]) -> dict[str, Any]:
    """The BLDS-named public properties of one permit (a `public_rows` row): the
    same names and values as the engine source's."""
    return {
        "PermitNum": row["number"],
        "PermitType": row["permit_type__code"],
        "PermitTypeDesc": row["permit_type__name"],
        "Description": row["description"],
        "BusinessName": row["business_name"],
        "StatusCurrent": row["status"],
        "AppliedDate": _day(row["applied_date"]),
        "IssuedDate": _day(row["issued_date"]),
        "ExpiresDate": _day(row["expires_date"]),
        "CompletedDate": _day(row["completed_date"]),
        "Latitude": round(row["lat"], 6),
        "Longitude": round(row["lon"], 6),
        "kelurahan": row["kelurahan__name"],
        "kecamatan": row["kecamatan__name"],
    }


def feature_collection(rows: PermitQuerySet, limit: int) -> dict[str, Any]:
    extra = ["distance"] if "distance" in rows.query.annotations else []
    features = []
    for row in public_rows(rows, *extra)[:limit]:
        properties = public_properties(row)
        if extra:
            properties["distance_m"] = round(row["distance"].m, 1)
        features.append(
            {
                "type": "Feature",
                "id": row["id"],
                "geometry": {
                    "type": "Point",
                    "coordinates": [properties["Longitude"], properties["Latitude"]],
                },
                "properties": properties,
            }
        )
    return {
        "type": "FeatureCollection",
        "numberReturned": len(features),
        "features": features,
    }


class Median(Aggregate):
    function = "percentile_cont"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


def days_to_issue() -> Func:
    # date - date is a whole number of days in PostgreSQL.
    return Func(
        F("issued_date"),
        F("applied_date"),
        template="(%(expressions)s)",
        arg_joiner=" - ",
        output_field=IntegerField(),
    )


def stats_by_area(rows: PermitQuerySet) -> list[dict[str, Any]]:
    """Counts and median days from application to issue per kecamatan and type."""
    grouped = (
        rows.values("kecamatan__name", "permit_type__code")
        .annotate(
            count=Count("id"),
            issued=Count("id", filter=~_no_issue()),
            median_days_to_issue=Median(days_to_issue()),
        )
        .order_by("kecamatan__name", "permit_type__code")
    )
    return [
        {
            "kecamatan": g["kecamatan__name"],
            "permit_type": g["permit_type__code"],
            "count": g["count"],
            "issued": g["issued"],
            "median_days_to_issue": g["median_days_to_issue"],
        }
        for g in grouped
    ]


def _no_issue() -> Any:
    from django.db.models import Q

    return Q(issued_date__isnull=True)


def public_timeline(permit: Permit) -> list[dict[str, Any]]:
    """Status changes (and public notes) for the applicant's tracking page: no
    staff names, no internal notes."""
    events = PermitEvent.objects.filter(city_id=permit.city_id, permit=permit)
    out = []
    for event in events.order_by("at", "id"):
        if event.kind == PermitEvent.Kind.DOCUMENT:
            continue
        if event.kind == PermitEvent.Kind.NOTE and not event.public:
            continue
        out.append(
            {
                "at": event.at.isoformat(),
                "status": event.to_status or None,
                "label": event.get_kind_display(),
                "note": event.note if event.public else "",
            }
        )
    return out


def is_public(permit: Permit) -> bool:
    return permit.status in PUBLIC_STATUSES
