"""Reads that shape output for the layers app."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, QuerySet
from django.urls import reverse

from layers.models import AdminArea, City, Layer

# Above this many features the map draws a layer from vector tiles, not GeoJSON.
VECTOR_TILES_ABOVE = 2000


def layer_catalog(layers: QuerySet[Layer], city: City) -> list[dict[str, Any]]:
    """Metadata, extent and feature count of each layer; counts and extents come from
    a cache keyed by each layer's data version (one query when any is stale)."""
    from layers.engine.sources import feature_layer_source
    from layers.engine.stats import source_stats

    rows = list(layers.select_related("agency").order_by("dimension", "title"))
    sources = [feature_layer_source(layer) for layer in rows]
    stats = source_stats(sources, city)
    result = []
    for layer in rows:
        extent, feature_count = stats[layer.slug]
        kwargs = {"city_slug": city.slug, "layer_slug": layer.slug}
        tiles = {"city_slug": city.slug, "layer": layer.slug}
        result.append(
            {
                "slug": layer.slug,
                "title": layer.title,
                "description": layer.description,
                "agency": str(layer.agency) if layer.agency else None,
                "dimension": layer.dimension,
                "dimension_label": str(layer.get_dimension_display()),
                "geometry_type": layer.geometry_type,
                "visibility": layer.visibility,
                "license": layer.license,
                "attribution": layer.attribution,
                "style": layer.style,
                "schema": layer.schema,
                "feature_count": feature_count or 0,
                "extent": list(extent) if extent else None,
                "updated": (layer.data_updated_at or layer.updated_at).isoformat(),
                "data_version": layer.data_version,
                "render": "vector-tiles"
                if (feature_count or 0) > VECTOR_TILES_ABOVE
                else "geojson",
                "links": {
                    "features": reverse("api:layer-features", kwargs=kwargs),
                    "tiles": reverse(
                        "tiles:tile", kwargs={**tiles, "z": 0, "x": 0, "y": 0}
                    ).replace("/0/0/0.mvt", "/{z}/{x}/{y}.mvt")
                    + f"?v={layer.data_version}",
                    "tilejson": reverse("tiles:tilejson", kwargs=tiles),
                    "ogc": reverse(
                        "ogc:collection",
                        kwargs={"city_slug": city.slug, "collection_id": layer.slug},
                    ),
                    "nearest": reverse("api:layer-nearest", kwargs=kwargs),
                    "counts": reverse("api:layer-counts", kwargs=kwargs),
                },
            }
        )
    return result


def area_counts(city: City) -> dict[str, int]:
    counts = dict(
        AdminArea.objects.filter(city=city)
        .values_list("level")
        .annotate(n=Count("id"))
        .values_list("level", "n")
    )
    return {level: counts.get(level, 0) for level in AdminArea.Level.values}
