"""The layers app's sources for the serving engine (layers/engine/): feature layers
(rows of layers_feature) and the admin boundaries basemap, plus the tile store and
the batched statistics behind them. Registered from LayersConfig.ready(); the engine
itself never imports this module or the Layer model.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.contrib.gis.db.models import Extent
from django.db.models import Count, Field
from django.urls import reverse

from layers.engine import registry, stats, tiles
from layers.engine.sources import Download, LayerSource, Queryable, json_key
from layers.models import Feature, Layer, TileCache, Visibility
from layers.schema import private_names, public_fields
from tenancy.models import AdminArea

if TYPE_CHECKING:
    from layers.engine.registry import User
    from tenancy.models import City

BOUNDARY_PREFIX = "boundaries-"
# Export formats of a feature layer (importers/exports.py): key, title, media type.
DOWNLOADS = (
    ("geojson", "GeoJSON", "application/geo+json"),
    ("csv", "CSV", "text/csv"),
    ("gpkg", "GeoPackage", "application/geopackage+sqlite3"),
    ("shp", "Shapefile (ZIP)", "application/zip"),
    ("kml", "KML", "application/vnd.google-earth.kml+xml"),
)

_JSON_CASTS = {
    "integer": "numeric",
    "number": "numeric",
    "boolean": "boolean",
    "date": "timestamptz",
    "text": "text",
}


def _col(model: type[Layer | Feature | AdminArea], name: str) -> str:
    field = model._meta.get_field(name)
    if not isinstance(field, Field) or not field.column:
        raise TypeError(f"{name!r} is not a column of {model.__name__}.")
    return field.column


def _layer_downloads(source: LayerSource) -> list[Download]:
    export = reverse(
        "importers-api:export",
        kwargs={"city_slug": source.origin.city.slug, "layer_slug": source.key},
    )
    return [
        Download(f"{export}?format={key}", media, title, key)
        for key, title, media in DOWNLOADS
    ]


def feature_layer_source(layer: Layer) -> LayerSource:
    """The source of a Feature-backed layer: its rows of layers_feature that have not
    expired (valid_to in the past); a datetime filter selects other times. Typed
    queryables compare numbers as numbers and dates as times."""
    # Private attributes never leave: not in properties, filters, tiles or fields.
    private = private_names(layer.schema)
    public_schema = public_fields(layer.schema)
    queryables = {}
    for spec in public_schema:
        cast = _JSON_CASTS.get(spec["type"], "text")
        expr = f"(t.properties->>{json_key(spec['name'])})"
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
        dimension=layer.dimension,
        relation=Feature._meta.db_table,
        city_id=layer.city_id,
        geometry_type=layer.geometry_type,
        properties_sql=(
            "(t.properties - ARRAY["
            + ", ".join(json_key(name) for name in sorted(private))
            + "]::text[])"
            if private
            else "t.properties"
        ),
        where=(f"t.{_col(Feature, 'layer')} = %s",),
        params=(layer.pk,),
        queryables=queryables,
        tile_properties=tile_properties,
        datetime_sql="t.valid_from",
        datetime_end_sql="t.valid_to",
        geog_sql="t.geom::geography(Geometry,4326)",
        # The layer's id never repeats (a layer re-created under a deleted one's
        # slug gets a new id and restarts at version 0), its slug may.
        cache_scope=f"layer-{layer.pk}",
        versioned=True,
        version=layer.data_version,
        updated=layer.data_updated_at or layer.updated_at,
        license=layer.license,
        attribution=layer.attribution,
        style=layer.style or {},
        public=layer.visibility == Visibility.PUBLIC,
        visibility=layer.visibility,
        agency=str(layer.agency)
        if layer.agency_id and Layer.agency.is_cached(layer)
        else None,
        fields=tuple(public_schema),
        downloads=_layer_downloads,
        origin=layer,
    )


def admin_area_source(city_id: int, level: str) -> LayerSource:
    """Kecamatan or kelurahan boundaries of a city (the offline basemap)."""
    parent = _col(AdminArea, "parent")
    table = AdminArea._meta.db_table
    # Names from _meta, not from a request.
    parent_name = f"(SELECT p.name FROM {table} p WHERE p.id = t.{parent})"  # noqa: S608
    return LayerSource(
        key=f"{BOUNDARY_PREFIX}{level}",
        title=f"Batas {level}",
        description=f"Administrative boundaries ({level}) of the city.",
        dimension="governance",
        relation=table,
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
        # The map draws them as its basemap, not as a layer of the catalogue.
        listed=False,
        origin=AdminArea,
    )


def feature_layers(city: City, user: User, key: str | None) -> Iterable[LayerSource]:
    layers = Layer.objects.visible_to(user, city).select_related("agency")
    if key is not None:
        if key.startswith(BOUNDARY_PREFIX):
            return []
        layers = layers.filter(slug=key)
    rows = list(layers.order_by("title"))
    for layer in rows:
        layer.city = city  # the same row: its downloads need no query of their own
    return [feature_layer_source(layer) for layer in rows]


def resolve_feature_layer(
    city_slug: str, user: User, key: str
) -> tuple[City, LayerSource] | None:
    """A visible feature layer with its city in one query (the city's boundary
    deferred), or None to let the general path answer."""
    if key.startswith(BOUNDARY_PREFIX):
        return None
    # (city, slug) is unique: no ORDER BY/LIMIT to compile or run.
    rows = list(
        Layer.objects.select_related("city")
        .defer("city__boundary")
        .filter(city__slug=city_slug, slug=key)
        .order_by()
    )
    layer = rows[0] if rows else None
    # Public layers are visible to everyone (see LayerQuerySet.visible_to); others
    # need the user's memberships, checked only when asked for.
    if layer is not None and (
        layer.visibility == Visibility.PUBLIC
        or (
            user.is_authenticated
            and Layer.objects.visible_to(user, layer.city).filter(pk=layer.pk).exists()
        )
    ):
        return layer.city, feature_layer_source(layer)
    return None


def boundaries(city: City, user: User, key: str | None) -> Iterable[LayerSource]:
    levels = AdminArea.Level.values
    if key is not None:
        levels = [lvl for lvl in levels if key == BOUNDARY_PREFIX + lvl]
    return [admin_area_source(city.pk, level) for level in levels]


def layer_stats(sources: list[LayerSource], city: City) -> dict[str, stats.Stats]:
    """Extent and count of every feature layer among `sources` in one query; the
    boundaries' extent is the city's."""
    result: dict[str, stats.Stats] = {}
    by_layer = {}
    for source in sources:
        if isinstance(source.origin, Layer):
            by_layer[source.origin.pk] = source
        elif source.origin is AdminArea:
            result[source.key] = (city.boundary.extent, None)
    if by_layer:
        rows = (
            Feature.objects.filter(layer_id__in=list(by_layer))
            .values("layer_id")
            .annotate(n=Count("id"), e=Extent("geom"))
            .order_by()
        )
        found = {row["layer_id"]: (row["e"], row["n"]) for row in rows}
        for layer_id, source in by_layer.items():
            result[source.key] = found.get(layer_id, (None, 0))
    return result


class LayerTileStore:
    """Tiles in layers_tilecache (UNLOGGED), keyed by (city, cache_id, z, x, y) and
    stamped with the version; a row is only replaced by a newer version. A feature
    layer's rows go with the layer (`layer_id`)."""

    def get(self, source: LayerSource, tile: tiles.TileId) -> bytes | None:
        table = TileCache._meta.db_table
        with tiles.bytea_cursor() as cursor:
            cursor.execute(
                f"SELECT data FROM {table} WHERE city_id = %s AND source_key = %s "  # noqa: S608 - table name from _meta, values are params
                "AND z = %s AND x = %s AND y = %s AND version = %s",
                [
                    source.city_id,
                    source.cache_id,
                    tile.z,
                    tile.x,
                    tile.y,
                    source.version,
                ],
                binary=True,
            )
            row = cursor.fetchone()
        return bytes(row[0]) if row is not None else None

    def put(self, source: LayerSource, tile: tiles.TileId, data: bytes) -> None:
        table = TileCache._meta.db_table
        layer_table = Layer._meta.db_table
        key = [source.city_id, source.cache_id, tile.z, tile.x, tile.y]
        layer_id = source.origin.pk if isinstance(source.origin, Layer) else None
        with tiles.bytea_cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (city_id, source_key, z, x, y, version, data, "  # noqa: S608 - table name from _meta, values are params
                "layer_id, created_at) "
                "SELECT %s, %s, %s, %s, %s, %s, %s, %s::bigint, now() "
                # A layer deleted meanwhile (its rows cascade away) gets no new row.
                f"WHERE %s::bigint IS NULL OR EXISTS (SELECT 1 FROM {layer_table} "
                "WHERE id = %s) "
                "ON CONFLICT (city_id, source_key, z, x, y) DO UPDATE SET "
                "version = EXCLUDED.version, data = EXCLUDED.data, "
                "created_at = EXCLUDED.created_at WHERE "
                f"{table}.version <= EXCLUDED.version",
                [*key, source.version, data, layer_id, layer_id, layer_id],
            )


def register() -> None:
    """Called from LayersConfig.ready()."""
    registry.register_source_provider(
        feature_layers, resolver=resolve_feature_layer, reserves_keys=False
    )
    registry.register_source_provider(boundaries, reserved_prefixes=(BOUNDARY_PREFIX,))
    stats.register_stats_provider(layer_stats)
    tiles.register_tile_store(LayerTileStore())
