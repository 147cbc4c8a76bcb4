"""Sources: what a collection serves and from which relation.

A source names a relation (a table, a view, or a parenthesised SQL text written in
code), its geometry, id and tenant columns, the SQL expression that builds the public
properties, a base filter, its smart-city dimension and how it is versioned for
caches. The engine serves sources and knows nothing of the apps that describe them:
each app registers a provider (see `registry`) that builds its sources from its own
models. Relation, table and column names come from code (model `_meta`), never from
a request. Columns a source does not name (a reporter's phone, say) cannot leave the
platform through it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

# A quoted or plain (schema-qualified) table or view name.
_NAME = r'(?:"[^"\x00]+"|[A-Za-z_][A-Za-z0-9_]*)'
_TABLE_NAME = re.compile(rf"{_NAME}(?:\.{_NAME})?")


@dataclass(frozen=True)
class Queryable:
    """A property clients may filter on: its SQL expression over alias `t` and its
    type (text, integer, number, boolean, date)."""

    sql: str
    type: str
    title: str = ""


@dataclass(frozen=True)
class Download:
    """A file of the whole source in one format (an OGC `enclosure` link)."""

    href: str
    media_type: str
    title: str
    format: str = ""


@dataclass(frozen=True)
class LayerSource:
    key: str
    title: str
    # FROM target, aliased `t` by the engine: a table or view name (quoted when
    # needed) or a parenthesised SELECT written in code over joined tables; its
    # columns are the only ones properties, filters and tiles can reach.
    relation: str
    city_id: int
    description: str = ""
    # Smart-city dimension (governance, living, environment, ...) the catalogue
    # groups the source under.
    dimension: str = ""
    agency: str | None = None
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
    # Versioning for caches (tiles, ETags, counts). `cache_scope` is an id that never
    # repeats (a Layer's `layer-<pk>`, not its slug: a source re-created under a
    # deleted one's key starts over); `version` never goes back within a scope.
    # A source is cached only when it is `versioned` or its version is above 0.
    version: int = 0
    versioned: bool = False
    cache_scope: str = ""
    updated: datetime | None = None
    license: str = ""
    attribution: str = ""
    style: dict[str, Any] = field(default_factory=dict)
    # Whether the public may see it (drives Cache-Control: public vs private), and
    # who may (public, internal, agency) as the catalogue shows it.
    public: bool = True
    visibility: str = ""
    # Whether the map's catalogue lists it (boundaries are the basemap, not a layer).
    listed: bool = True
    # Descriptions of the properties for clients ({"name", "type", "label",
    # "labels", "hidden"}); empty: derived from the queryables.
    fields: tuple[dict[str, Any], ...] = ()
    # Files of the whole source (built on demand: most requests never ask).
    downloads: Callable[[LayerSource], list[Download]] | None = None
    # The provider's own object behind the source (e.g. a layers.Layer row). The
    # engine never reads it; the provider's tile store and statistics may.
    origin: Any = None

    def __post_init__(self) -> None:
        relation = self.relation.strip()
        if not (
            _TABLE_NAME.fullmatch(relation)
            or (relation.startswith("(") and relation.endswith(")"))
        ):
            raise ValueError(
                f"source {self.key!r}: relation must be a table name or a "
                "parenthesised SELECT."
            )

    @property
    def table(self) -> str:
        """The FROM target (kept for callers written before `relation`)."""
        return self.relation

    @property
    def geog(self) -> str:
        return self.geog_sql or f"t.{self.geom_column}::geography"

    @property
    def is_point(self) -> bool:
        return self.geometry_type in ("Point", "MultiPoint")

    @property
    def field_list(self) -> list[dict[str, Any]]:
        if self.fields:
            return list(self.fields)
        return [
            {"name": name, "type": q.type, "label": q.title or name}
            for name, q in self.queryables.items()
        ]

    @property
    def cache_id(self) -> str:
        """What caches and ETags key on (with `version`)."""
        return self.cache_scope or self.key

    @property
    def cacheable(self) -> bool:
        """Only sources with a data version can be invalidated, so only they are
        cached."""
        return self.versioned or self.version > 0


def json_key(name: str) -> str:
    """A property name as an SQL string literal (names come from validated schemas
    or code, never from a request)."""
    return "'" + name.replace("'", "''") + "'"


_json_key = json_key
