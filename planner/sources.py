"""Analysis results as engine sources (`analysis-<id>`): the features endpoint,
OGC API, tiles, the attribute table and exports serve a result like any layer.

Results are not listed in the catalogue; a result is visible while it has not
expired, to everyone when every input was public, else to its owner only."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Q
from django.utils import timezone

from layers.engine import registry
from layers.engine.sources import LayerSource, Queryable, json_key
from planner.models import AnalysisFeature, AnalysisResult

PREFIX = "analysis-"
# A result's colour where one colour draws it (the shareable map.html).
COLOURS = {
    "density": "#fd8d3c",
    "hexbins": "#d94801",
    "hotspots": "#b2182b",
    "coverage": "#c51b7d",
    "overlay": "#2166ac",
    "select": "#ffd400",
}
_CASTS = {"integer": "numeric", "number": "numeric", "boolean": "boolean"}


def result_source(result: AnalysisResult) -> LayerSource:
    queryables = {}
    for spec in result.fields:
        expr = f"(t.properties->>{json_key(spec['name'])})"
        cast = _CASTS.get(spec["type"])
        queryables[spec["name"]] = Queryable(
            f"({expr}::{cast})" if cast else expr, spec["type"], spec["label"]
        )
    return LayerSource(
        key=result.key,
        title=result.title,
        description=f"Analysis result ({result.kind}), temporary.",
        relation=AnalysisFeature._meta.db_table,
        city_id=result.city_id,
        geometry_type=result.geometry_type,
        where=("t.result_id = %s",),
        params=(result.pk,),
        queryables=queryables,
        tile_properties=tuple(queryables),
        cache_scope=result.key,
        versioned=True,
        version=1,
        updated=result.created_at,
        style={"color": COLOURS.get(result.kind, "#c51b7d")},
        public=result.public,
        visibility="public" if result.public else "private",
        listed=False,
        fields=tuple(result.fields),
        origin=result,
    )


def visible_results(city_id: int, user: Any) -> Any:
    now = timezone.now()
    alive = Q(expires_at__isnull=True) | Q(expires_at__gt=now)
    who = Q(public=True)
    if getattr(user, "is_authenticated", False):
        who |= Q(owner_id=user.pk)
    return AnalysisResult.objects.filter(alive, who, city_id=city_id)


def result_sources(city: Any, user: Any, key: str | None) -> Iterable[LayerSource]:
    if key is None or not key.startswith(PREFIX):
        return []
    digits = key[len(PREFIX) :]
    if not digits.isascii() or not digits.isdigit() or len(digits) > 18:
        return []
    result = visible_results(city.pk, user).filter(pk=int(digits)).first()
    return [result_source(result)] if result else []


def register() -> None:
    registry.register_source_provider(result_sources, reserved_prefixes=(PREFIX,))
