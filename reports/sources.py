"""Reports as a source of the serving engine (layers/engine/).

Public columns only: no contact detail, no exact point of a fuzzed category (the
geometry is `public_geom`, derived by the database), no description or area name of
a fuzzed category, no report of a private category, no rejected reports. Table and
column names come from `_meta`."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Count, Field, Max, Model

from layers.engine.sources import LayerSource, Queryable
from reports.models import (
    HIDDEN_STATUSES,
    OPEN_STATUSES,
    Category,
    Publicity,
    Report,
)

KEY = "laporan"


def _col(model: type[Model], name: str) -> str:
    field = model._meta.get_field(name)
    if not isinstance(field, Field) or not field.column:
        raise TypeError(f"{name!r} is not a column of {model.__name__}.")
    return field.column


def report_source(city_id: int) -> LayerSource:
    t_cat = Category._meta.db_table
    from tenancy.models import AdminArea, Agency

    t_area = AdminArea._meta.db_table
    t_agency = Agency._meta.db_table
    cat = f"t.{_col(Report, 'category')}"

    # Names from _meta, not from a request; values are bound parameters.
    def category(column: str) -> str:
        return f"(SELECT c.{column} FROM {t_cat} c WHERE c.id = {cat})"  # noqa: S608

    kel = f"(SELECT a.name FROM {t_area} a WHERE a.id = t.{_col(Report, 'kelurahan')})"  # noqa: S608
    kec = f"(SELECT a.name FROM {t_area} a WHERE a.id = t.{_col(Report, 'kecamatan')})"  # noqa: S608
    agency = (
        f"(SELECT coalesce(nullif(g.acronym, ''), g.name) FROM {t_agency} g "  # noqa: S608
        f"WHERE g.id = t.{_col(Report, 'agency')})"
    )
    public = f"{category('publicity')} = '{Publicity.PUBLIC.value}'"
    # The select list takes no parameters: quote the workflow's own constants (never
    # request input), so the list follows the enum instead of repeating it.
    open_statuses = ", ".join(f"'{s.value}'" for s in OPEN_STATUSES)
    properties = (
        "jsonb_build_object("
        "'ticket', t.ticket, "
        f"'category', {category('code')}, "
        f"'category_name', {category('name')}, "
        "'status', t.status, "
        f"'description', CASE WHEN {public} THEN t.description END, "
        # Area names of the exact point would narrow a fuzzed point's ring.
        f"'kelurahan', CASE WHEN {public} THEN {kel} END, "
        f"'kecamatan', CASE WHEN {public} THEN {kec} END, "
        # An agency routed by area names the area too; the category's own does not.
        f"'agency', CASE WHEN {public} OR t.{_col(Report, 'agency')} = "
        f"{category(_col(Category, 'agency'))} THEN {agency} END, "
        "'supporters', t.supporter_count, "
        "'created', t.created_at, 'updated', t.updated_at, 'due', t.due_at, "
        f"'overdue', (t.status IN ({open_statuses}) AND t.due_at < now()))"
    )
    # Changes and deletions both move the version (tile cache, ETags).
    stamp = Report.objects.filter(city_id=city_id).aggregate(
        latest=Max("updated_at"), rows=Count("id")
    )
    latest_ms = int(stamp["latest"].timestamp() * 1000) if stamp["latest"] else 0
    return LayerSource(
        key=KEY,
        title="Laporan warga",
        relation=Report._meta.db_table,
        # Citizen reports are a public service: smart governance.
        dimension="governance",
        city_id=city_id,
        geom_column=_col(Report, "public_geom"),
        properties_sql=properties,
        # Private categories never leave the staff console.
        where=("NOT (t.status = ANY(%s))", f"{category('publicity')} <> %s"),
        params=([str(s) for s in HIDDEN_STATUSES], Publicity.PRIVATE.value),
        queryables={
            name: Queryable(sql=sql, type="text")
            for name, sql in (
                ("ticket", "t.ticket"),
                ("status", "t.status"),
                ("category", category("code")),
            )
        },
        datetime_sql="t.created_at",
        version=latest_ms * 1000 + stamp["rows"] % 1000,
        # Any change moves the version, even from 0: extents and counts are cached
        # per version.
        versioned=True,
        geometry_type="Point",
        # Matches the report_public_geog_gist index expression.
        geog_sql=f"t.{_col(Report, 'public_geom')}::geography(Point,4326)",
        tile_properties=("ticket", "category", "status"),
        description="Citizen reports (LAKSA); sensitive ones at a fuzzed place.",
        style={"color": "#c2410c"},
    )


def report_sources(city: Any, user: Any, key: str | None) -> Iterable[LayerSource]:
    """Registry provider: the public reports layer, for everyone."""
    if key is None or key == KEY:
        return [report_source(city.pk)]
    return []
