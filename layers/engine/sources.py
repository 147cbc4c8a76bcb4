"""Layer sources: what a collection serves and from which table.

A source names a table, its geometry, id and tenant columns, the SQL expression that
builds the public properties, and a base filter. Feature-backed layers, admin areas and
domain apps (reports) all describe themselves this way; the SQL builder needs nothing
else. Table and column names come from model `_meta`, never from a request.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import models

from layers.models import AdminArea, Feature, Layer


@dataclass(frozen=True)
class LayerSource:
    key: str
    title: str
    table: str
    city_id: int
    geom_column: str = "geom"
    id_column: str = "id"
    tenant_column: str = "city_id"
    # SQL expression (over alias `t`) producing the jsonb properties of a row.
    properties_sql: str = "t.properties"
    # Extra WHERE clauses (over alias `t`) with their parameters.
    where: tuple[str, ...] = ()
    params: tuple[Any, ...] = ()
    # Property name -> (SQL expression over `t`, type) for filtering and queryables.
    queryables: dict[str, tuple[str, str]] = field(default_factory=dict)
    # Column with a timestamp for datetime filters (None: no temporal filter).
    datetime_sql: str | None = None
    version: int = 0
    layer: Layer | None = None


def _col(model: type[models.Model], name: str) -> str:
    return model._meta.get_field(name).column


def _json_key(name: str) -> str:
    # Property names come from a layer's validated schema; quote them as SQL literals.
    return "'" + name.replace("'", "''") + "'"


_JSON_CASTS = {
    "integer": "numeric",
    "number": "numeric",
    "boolean": "boolean",
    "date": "timestamptz",
    "text": "text",
}


def feature_layer_source(layer: Layer) -> LayerSource:
    """The source of a Feature-backed layer: its rows of layers_feature, valid now."""
    queryables = {}
    for spec in layer.schema:
        cast = _JSON_CASTS.get(spec["type"], "text")
        expr = f"(t.properties->>{_json_key(spec['name'])})"
        queryables[spec["name"]] = (
            expr if cast == "text" else f"{expr}::{cast}",
            spec["type"],
        )
    return LayerSource(
        key=layer.slug,
        title=layer.title,
        table=Feature._meta.db_table,
        city_id=layer.city_id,
        where=(f"t.{_col(Feature, 'layer')} = %s",),
        params=(layer.pk,),
        queryables=queryables,
        datetime_sql="coalesce(t.valid_from, t.updated_at)",
        version=layer.data_version,
        layer=layer,
    )


def admin_area_source(city_id: int, level: str) -> LayerSource:
    """Kecamatan or kelurahan boundaries of a city (the offline basemap)."""
    parent = _col(AdminArea, "parent")
    table = AdminArea._meta.db_table
    # Names from _meta, not from a request.
    parent_name = f"(SELECT p.name FROM {table} p WHERE p.id = t.{parent})"  # noqa: S608
    return LayerSource(
        key=f"boundaries-{level}",
        title=level,
        table=table,
        city_id=city_id,
        properties_sql=(
            "jsonb_build_object('code', t.code, 'name', t.name, 'level', t.level, "
            f"'kind', t.kind, 'area_km2', t.area_km2, 'parent', {parent_name})"
        ),
        where=("t.level = %s",),
        params=(level,),
        queryables={"code": ("t.code", "text"), "name": ("t.name", "text")},
    )
