"""Reads that shape output for the layers app."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from layers.data_text import data_text
from layers.models import Layer
from tenancy.models import AdminArea, City

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
        result.append(
            {
                "slug": layer.slug,
                "title": layer.title,
                "description": data_text(layer.description),
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
                "links": _links(city, layer.slug, layer.data_version),
            }
        )
    return result


def source_catalog(city: City, user: Any) -> list[dict[str, Any]]:
    """The same entries as `layer_catalog` for the sources other apps register in the
    engine (reports), which have no Layer row; only those `user` may see."""
    from layers.engine.registry import BOUNDARY_PREFIX, sources_for
    from layers.engine.sql import Query, number_matched
    from layers.engine.stats import source_stats

    sources = [
        s
        for s in sources_for(city, user)
        if s.layer is None and not s.key.startswith(BOUNDARY_PREFIX)
    ]
    stats = source_stats(sources, city)
    result = []
    for source in sources:
        count, _exact = number_matched(source, Query())
        bbox, _count = stats[source.key]
        result.append(
            {
                "slug": source.key,
                "title": source.title,
                "description": source.description,
                "agency": None,
                "dimension": "reports",
                # Sources registered by apps (today: reports), one group after layers.
                "dimension_label": _("Reports"),
                "geometry_type": source.geometry_type,
                "visibility": "public" if source.public else "internal",
                "license": source.license,
                "attribution": source.attribution,
                "style": source.style,
                "schema": [
                    {"name": name, "type": q.type, "label": q.title or name}
                    for name, q in source.queryables.items()
                ],
                "feature_count": count,
                "extent": list(bbox) if bbox else None,
                "updated": source.updated.isoformat() if source.updated else None,
                "data_version": source.version,
                "render": "vector-tiles" if count > VECTOR_TILES_ABOVE else "geojson",
                "links": _links(city, source.key, source.version),
            }
        )
    return result


def _links(city: City, slug: str, version: int) -> dict[str, str]:
    kwargs = {"city_slug": city.slug, "layer_slug": slug}
    tiles = {"city_slug": city.slug, "layer": slug}
    return {
        "features": reverse("api:layer-features", kwargs=kwargs),
        "tiles": reverse(
            "tiles:tile", kwargs={**tiles, "z": 0, "x": 0, "y": 0}
        ).replace("/0/0/0.mvt", "/{z}/{x}/{y}.mvt")
        + f"?v={version}",
        "tilejson": reverse("tiles:tilejson", kwargs=tiles),
        "ogc": reverse(
            "ogc:collection", kwargs={"city_slug": city.slug, "collection_id": slug}
        ),
        "nearest": reverse("api:layer-nearest", kwargs=kwargs),
        "counts": reverse("api:layer-counts", kwargs=kwargs),
    }


def area_counts(city: City) -> dict[str, int]:
    counts = dict(
        AdminArea.objects.filter(city=city)
        .values_list("level")
        .annotate(n=Count("id"))
        .values_list("level", "n")
    )
    return {level: counts.get(level, 0) for level in AdminArea.Level.values}
