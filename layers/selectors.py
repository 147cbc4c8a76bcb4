"""Reads that shape output for the layers app."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, QuerySet
from django.urls import reverse

from layers.models import AdminArea, City, Layer


def layer_catalog(layers: QuerySet[Layer], city: City) -> list[dict[str, Any]]:
    """Metadata, extent and feature count of each layer, in one query."""
    from django.contrib.gis.db.models import Extent

    rows = (
        layers.select_related("agency")
        .annotate(feature_count=Count("features"), extent=Extent("features__geom"))
        .order_by("dimension", "title")
    )
    result = []
    for layer in rows:
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
                "feature_count": layer.feature_count,
                "extent": list(layer.extent) if layer.extent else None,
                "updated": (layer.data_updated_at or layer.updated_at).isoformat(),
                "links": {
                    "features": reverse(
                        "api:layer-features",
                        kwargs={"city_slug": city.slug, "layer_slug": layer.slug},
                    ),
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
