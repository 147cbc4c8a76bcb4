"""Permits as a source of the serving engine (layers/engine/): the city map, vector
tiles, OGC API Features (CQL2), the JSON API's spatial queries and exports.

Public columns only, named after the BLDS open permit-data standard (PermitNum,
Description, AppliedDate, IssuedDate, CompletedDate, StatusCurrent, PermitType,
ExpiresDate, Latitude, Longitude) plus the business's public name and the kelurahan /
kecamatan. Only granted permits (issued, expired, completed, revoked) are public:
an application under review or rejected is the applicant's business. The applicant's
name, NIK, phone and e-mail, the address, conditions, fee and documents have no
column here, so no surface can serve them. Table and column names come from `_meta`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import connection
from django.db.models import Field, Model

from layers.engine.sources import LayerSource, Queryable
from permits.models import PUBLIC_STATUSES, Permit, PermitType, Status
from tenancy.models import AdminArea

KEY = "permits"
# Map colours of the statuses the public sees (the legend of the permits page too).
STATUS_COLOURS = {
    Status.ISSUED.value: "#15803d",
    Status.EXPIRED.value: "#b45309",
    Status.COMPLETED.value: "#1d4ed8",
    Status.REVOKED.value: "#b91c1c",
}
PUBLIC_PROPERTIES = (
    "PermitNum",
    "PermitType",
    "PermitTypeDesc",
    "Description",
    "BusinessName",
    "StatusCurrent",
    "AppliedDate",
    "IssuedDate",
    "ExpiresDate",
    "CompletedDate",
    "Latitude",
    "Longitude",
    "kelurahan",
    "kecamatan",
)


def _col(model: type[Model], name: str) -> str:
    field = model._meta.get_field(name)
    if not isinstance(field, Field) or not field.column:
        raise TypeError(f"{name!r} is not a column of {model.__name__}.")
    return field.column


def permit_source(city_id: int) -> LayerSource | None:
    t_type = PermitType._meta.db_table
    t_area = AdminArea._meta.db_table
    ptype = f"t.{_col(Permit, 'permit_type')}"
    point = f"t.{_col(Permit, 'point')}"

    # Names from _meta, not from a request; values are bound parameters.
    def of_type(column: str) -> str:
        return f"(SELECT p.{column} FROM {t_type} p WHERE p.id = {ptype})"  # noqa: S608

    def area(name: str) -> str:
        return f"(SELECT a.name FROM {t_area} a WHERE a.id = t.{_col(Permit, name)})"  # noqa: S608

    def day(name: str) -> str:
        return f"to_char(t.{_col(Permit, name)}, 'YYYY-MM-DD')"

    properties = (
        "jsonb_build_object("
        f"'PermitNum', t.{_col(Permit, 'number')}, "
        f"'PermitType', {of_type('code')}, "
        f"'PermitTypeDesc', {of_type('name')}, "
        f"'Description', t.{_col(Permit, 'description')}, "
        f"'BusinessName', t.{_col(Permit, 'business_name')}, "
        f"'StatusCurrent', t.{_col(Permit, 'status')}, "
        f"'AppliedDate', {day('applied_date')}, "
        f"'IssuedDate', {day('issued_date')}, "
        f"'ExpiresDate', {day('expires_date')}, "
        f"'CompletedDate', {day('completed_date')}, "
        f"'Latitude', round(ST_Y({point})::numeric, 6), "
        f"'Longitude', round(ST_X({point})::numeric, 6), "
        f"'kelurahan', {area('kelurahan')}, "
        f"'kecamatan', {area('kecamatan')})"
    )
    text = {
        "PermitNum": f"t.{_col(Permit, 'number')}",
        "StatusCurrent": f"t.{_col(Permit, 'status')}",
        "PermitType": of_type("code"),
        "BusinessName": f"t.{_col(Permit, 'business_name')}",
        "kecamatan": area("kecamatan"),
        "kelurahan": area("kelurahan"),
    }
    dates = {
        "AppliedDate": f"t.{_col(Permit, 'applied_date')}",
        "IssuedDate": f"t.{_col(Permit, 'issued_date')}",
        "ExpiresDate": f"t.{_col(Permit, 'expires_date')}",
        "CompletedDate": f"t.{_col(Permit, 'completed_date')}",
    }
    queryables = {name: Queryable(sql=sql, type="text") for name, sql in text.items()}
    queryables |= {name: Queryable(sql=sql, type="date") for name, sql in dates.items()}
    # Short aliases (the issue's own example: status='issued' AND expires < ...).
    queryables["status"] = queryables["StatusCurrent"]
    queryables["type"] = queryables["PermitType"]
    queryables["expires"] = queryables["ExpiresDate"]
    queryables["issued"] = queryables["IssuedDate"]
    # One query: the version's inputs and whether the city issues permits at all
    # (its kit gave it permit types) — a city without lists no layer.
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT max(updated_at), count(*), "  # noqa: S608 - names from _meta
            f"EXISTS (SELECT 1 FROM {t_type} WHERE city_id = %s) "
            f"FROM {Permit._meta.db_table} WHERE city_id = %s",
            [city_id, city_id],
        )
        latest, count, issues_permits = cursor.fetchone()
    if not issues_permits:
        return None
    stamp = {"latest": latest, "rows": count}
    latest_ms = int(latest.timestamp() * 1000) if latest else 0
    return LayerSource(
        key=KEY,
        title="Perizinan",
        relation=Permit._meta.db_table,
        # Licensing is a public service of the city's administration.
        dimension="governance",
        agency="DPMPTSP",
        city_id=city_id,
        geom_column=_col(Permit, "point"),
        properties_sql=properties,
        where=("t.status = ANY(%s)",),
        params=([s.value for s in PUBLIC_STATUSES],),
        queryables=queryables,
        datetime_sql=f"t.{_col(Permit, 'issued_date')}::timestamptz",
        datetime_end_sql=f"t.{_col(Permit, 'expires_date')}::timestamptz",
        version=latest_ms * 1000 + stamp["rows"] % 1000,
        versioned=True,
        geometry_type="Point",
        # Matches the permit_point_geog_gist index expression.
        geog_sql=f"{point}::geography(Point,4326)",
        tile_properties=("PermitNum", "PermitType", "StatusCurrent", "ExpiresDate"),
        description=(
            "Granted permits (building, business, billboard, event, road "
            "excavation) in the BLDS open permit-data format; no applicant data."
        ),
        # A categorized renderer as layers/manage/style.py stores it: the city map
        # colours each permit by its status and its legend lists the statuses.
        style={
            "color": STATUS_COLOURS[Status.ISSUED.value],
            "renderer": {
                "type": "categorized",
                "attribute": "StatusCurrent",
                "classes": [
                    {
                        "value": s.value,
                        "color": STATUS_COLOURS[s.value],
                        "label": str(s.label),
                    }
                    for s in PUBLIC_STATUSES
                ],
            },
        },
    )


def permit_sources(city: Any, user: Any, key: str | None) -> Iterable[LayerSource]:
    """Registry provider: the public permits layer, for everyone, in cities that
    issue permits (their kit gave them permit types)."""
    if key is not None and key != KEY:
        return []
    source = permit_source(city.pk)
    return [source] if source is not None else []
