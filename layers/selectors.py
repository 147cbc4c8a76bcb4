"""Reads that shape output for the layers app."""

from __future__ import annotations

from typing import Any

from django.db.models import Count
from django.urls import reverse
from django.utils.translation import gettext as _

from layers.data_text import data_text
from layers.models import Dimension
from tenancy.models import AdminArea, City

# Above this many features the map draws a layer from vector tiles, not GeoJSON.
VECTOR_TILES_ABOVE = 2000


def source_catalog(city: City, user: Any) -> list[dict[str, Any]]:
    """Every source `user` may see in `city` (feature layers, reports, any source an
    app registers), grouped by smart-city dimension, then by title. Extents and
    counts come from a cache keyed by each source's data version (one query for all
    stale feature layers); a source without a count gets one from the engine."""
    from layers.engine.registry import sources_for
    from layers.engine.sql import Query, number_matched
    from layers.engine.stats import source_stats

    sources = [s for s in sources_for(city, user) if s.listed]
    order = {value: i for i, value in enumerate(Dimension.values)}
    labels = dict(Dimension.choices)
    sources.sort(key=lambda s: (order.get(s.dimension, len(order)), s.title.casefold()))
    stats = source_stats(sources, city)
    result = []
    for source in sources:
        bbox, count = stats[source.key]
        if count is None:
            count, _exact = number_matched(source, Query())
        result.append(
            {
                "slug": source.key,
                "title": source.title,
                "description": data_text(source.description),
                "agency": source.agency,
                "dimension": source.dimension,
                "dimension_label": str(labels.get(source.dimension, _("Other"))),
                "geometry_type": source.geometry_type,
                "visibility": source.visibility
                or ("public" if source.public else "internal"),
                "license": source.license,
                "attribution": source.attribution,
                "style": source.style,
                "schema": source.field_list,
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
