"""Layer sources: what a collection serves and from which table.

A source names a table, its geometry, id and tenant columns, the SQL expression that
builds the public properties, and a base filter. Feature-backed layers, admin areas and
domain apps (reports) all describe themselves this way; the SQL builder needs nothing
else. Table and column names come from model `_meta`, never from a request. Columns a
source does not name (a reporter's phone, say) cannot leave the platform through it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import models

from layers.models import Feature, Layer
from tenancy.models import AdminArea


@dataclass(frozen=True)
class Queryable:
    """A property clients may filter on: its SQL expression over alias `t` and its
    type (text, integer, number, boolean, date)."""

    sql: str
    type: str
    title: str = ""


@dataclass(frozen=True)
class LayerSource:
    key: str
    title: str
    table: str
    city_id: int
    description: str = ""
    geom_column: str = "geom"
    id_column: str = "id"
    tenant_column: str = "city_id"
    # Point, LineString, Polygon, Multi..., or Geometry.
    geometry_type: str = "Geometry"
    # SQL expression (over alias `t`) producing the jsonb properties of a row.
    properties_sql: str = "t.properties"
    # Extra WHERE clauses (over alias `t`) with their parameters.
    where: tuple[str, ...] = ()
    params: tuple[Any, ...] = ()
    # Property name -> Queryable, for filters (CQL2, ?name=value) and /queryables.
    queryables: dict[str, Queryable] = field(default_factory=dict)
    # Names of queryables written into vector tiles (keep tiles small).
    tile_properties: tuple[str, ...] = ()
    # Temporal extent of a row: start and end expressions (None: open / no time).
    datetime_sql: str | None = None
    datetime_end_sql: str | None = None
    # Geography expression for metre distances (rows are found via the geometry index).
    geog_sql: str | None = None
    # Bumped whenever the data changes: keys tile caches and ETags.
    version: int = 0
    updated: datetime | None = None
    license: str = ""
    attribution: str = ""
    style: dict[str, Any] = field(default_factory=dict)
    # Whether the public may see it (drives Cache-Control: public vs private).
    public: bool = True
    layer: Layer | None = None

    @property
    def geog(self) -> str:
        return self.geog_sql or f"t.{self.geom_column}::geography"

    @property
    def is_point(self) -> bool:
        return self.geometry_type in ("Point", "MultiPoint")

    @property
    def cache_id(self) -> str:
        """What caches and ETags key on (with `version`): a layer's id, which never
        repeats (a layer re-created under a deleted one's slug gets a new id and
        restarts at version 0), never its slug."""
        return f"layer-{self.layer.pk}" if self.layer is not None else self.key


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
    """The source of a Feature-backed layer: its rows of layers_feature that have not
    expired (valid_to in the past); a datetime filter selects other times."""
    queryables = {}
    for spec in layer.schema:
        cast = _JSON_CASTS.get(spec["type"], "text")
        expr = f"(t.properties->>{_json_key(spec['name'])})"
        queryables[spec["name"]] = Queryable(
            expr if cast == "text" else f"({expr}::{cast})",
            spec["type"],
            spec.get("label") or spec["name"],
        )
    wanted = layer.style.get("tile_properties") if layer.style else None
    tile_properties = tuple(
        name for name in (wanted or queryables) if name in queryables
    )
    return LayerSource(
        key=layer.slug,
        title=layer.title,
        description=layer.description,
        table=Feature._meta.db_table,
        city_id=layer.city_id,
        geometry_type=layer.geometry_type,
        where=(f"t.{_col(Feature, 'layer')} = %s",),
        params=(layer.pk,),
        queryables=queryables,
        tile_properties=tile_properties,
        datetime_sql="t.valid_from",
        datetime_end_sql="t.valid_to",
        geog_sql="t.geom::geography(Geometry,4326)",
        version=layer.data_version,
        updated=layer.data_updated_at or layer.updated_at,
        license=layer.license,
        attribution=layer.attribution,
        style=layer.style or {},
        public=layer.visibility == "public",
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
        title=f"Batas {level}",
        description=f"Administrative boundaries ({level}) of the city.",
        table=table,
        city_id=city_id,
        geometry_type="MultiPolygon",
        properties_sql=(
            "jsonb_build_object('code', t.code, 'name', t.name, 'level', t.level, "
            f"'kind', t.kind, 'area_km2', t.area_km2, 'parent', {parent_name})"
        ),
        where=("t.level = %s",),
        params=(level,),
        queryables={
            "code": Queryable("t.code", "text", "Kemendagri code"),
            "name": Queryable("t.name", "text", "Name"),
            "area_km2": Queryable("t.area_km2", "number", "Area (km²)"),
        },
        tile_properties=("code", "name"),
    )
