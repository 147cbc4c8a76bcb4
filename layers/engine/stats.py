"""Extents of sources, cached per data version so catalogs never scan big layers."""

from __future__ import annotations

from django.contrib.gis.db.models import Extent
from django.core.cache import cache
from django.db.models import Count

from layers.engine.sources import LayerSource
from layers.engine.sql import extent
from layers.models import City, Feature

TIMEOUT_S = 3600
Bbox = tuple[float, float, float, float]


def _key(source: LayerSource) -> str:
    layer_id = source.layer.pk if source.layer is not None else 0
    return f"petakota:extent:{source.city_id}:{source.key}:{layer_id}:{source.version}"


def source_stats(
    sources: list[LayerSource], city: City
) -> dict[str, tuple[Bbox | None, int | None]]:
    """key -> (extent in CRS84, feature count or None), one query for all the
    feature layers whose versions are not cached yet."""
    keys = {s.key: _key(s) for s in sources}
    cached = cache.get_many(list(keys.values()))
    result: dict[str, tuple[Bbox | None, int | None]] = {}
    missing_layers = {}
    for source in sources:
        hit = cached.get(keys[source.key])
        if hit is not None:
            result[source.key] = hit
        elif source.layer is not None:
            missing_layers[source.layer.pk] = source
        elif source.key.startswith("boundaries-"):
            result[source.key] = (city.boundary.extent, None)
        else:
            result[source.key] = (extent(source), None)
    if missing_layers:
        rows = (
            Feature.objects.filter(layer_id__in=list(missing_layers))
            .values("layer_id")
            .annotate(n=Count("id"), e=Extent("geom"))
            .order_by()
        )
        found = {row["layer_id"]: (row["e"], row["n"]) for row in rows}
        for layer_id, source in missing_layers.items():
            value = found.get(layer_id, (None, 0))
            result[source.key] = value
            cache.set(keys[source.key], value, TIMEOUT_S)
    return result
