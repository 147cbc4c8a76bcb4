"""Extents of sources, cached per data version so catalogs never scan big layers."""

from __future__ import annotations

from django.contrib.gis.db.models import Extent
from django.core.cache import cache
from django.db.models import Count

from layers.engine.sources import LayerSource
from layers.engine.sql import STORAGE_SRID, Query, extent
from layers.models import Feature
from tenancy.models import City

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


def bbox_share_estimate(source: LayerSource, query: Query) -> int | None:
    """numberMatched of a bbox-only query on a feature layer without counting: the
    layer's feature count times the share of its extent the bbox covers (features
    spread evenly over the extent). Uses only the cached per-version statistics the
    catalog computes, so it never costs a scan; None when it does not apply.

    The planner's estimate for the same query multiplies the layer's share of its
    partition by the bbox's share of the partition's spatial histogram, which misses
    badly when the layer sits in a partition with other layers' features elsewhere.
    Points only: a polygon reaching into the bbox from outside counts too, so the
    share undercounts them (-3 to -5 % on the bench's polygons; the planner's
    histogram knows their sizes and was within 3 %)."""
    if (
        source.layer is None
        or not source.is_point
        or query.filters
        or query.where
        or query.interval is not None
        or query.bbox_srid != STORAGE_SRID
    ):
        return None
    hit = cache.get(_key(source))
    if hit is None or hit[0] is None or not hit[1]:
        return None
    (ex0, ey0, ex1, ey1), count = hit
    if query.bbox is None:
        return count
    x0, y0, x1, y1 = query.bbox
    area = (ex1 - ex0) * (ey1 - ey0)
    if area <= 0:
        return None
    overlap = max(0.0, min(x1, ex1) - max(x0, ex0)) * max(
        0.0, min(y1, ey1) - max(y0, ey0)
    )
    return round(count * overlap / area)
