"""Stations and markets as sources of the serving engine (layers/engine/), so the
OGC API, vector tiles and the city map carry their latest values.

Two sources per city: `kualitas-udara` (air-quality stations) and `harga-pasar`
(markets). Public columns only: code, name, kind, agency, the latest value with
its time, property and unit, ISPU (number, "> 300" text, category, colour,
critical parameter) or the market's price rating, `stale` (the latest value is
older than its expected interval: decided by the database at read time) and
`simulated` (demo data). Not cached (version 0): staleness moves with the clock.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import connection
from django.db.models import Field, Model

from layers.engine.sources import LayerSource, Queryable
from layers.engine.stats import Stats
from observations.ispu import OFFICIAL_NAMES, Category
from observations.models import Thing, ThingKind, ThingStatus
from observations.status import MARKET_COLOURS
from tenancy.models import Agency, City

AIR_KEY = "kualitas-udara"
MARKET_KEY = "harga-pasar"
KEYS = {AIR_KEY: ThingKind.STATION, MARKET_KEY: ThingKind.MARKET}


def _col(model: type[Model], name: str) -> str:
    field = model._meta.get_field(name)
    if not isinstance(field, Field) or not field.column:
        raise TypeError(f"{name!r} is not a column of {model.__name__}.")
    return field.column


def _relation() -> str:
    thing = Thing._meta.db_table
    status = ThingStatus._meta.db_table
    agency = Agency._meta.db_table
    s_thing = _col(ThingStatus, "thing")
    # Names from _meta; the kind is bound as a parameter in `where`.
    return (
        "(SELECT th.id, th.city_id, th.geom, th.code, th.name, th.kind, "  # noqa: S608
        "th.simulated, th.active, "
        "coalesce(nullif(ag.acronym, ''), ag.name) AS agency, "
        "st.latest_time, st.latest_value, st.latest_property, st.unit_symbol, "
        "st.ispu, st.ispu_text, st.critical, st.category, st.colour, "
        "(st.stale_after IS NULL OR st.stale_after < now()) AS stale "
        f"FROM {thing} th "
        f"LEFT JOIN {status} st ON st.{s_thing} = th.id "
        f"LEFT JOIN {agency} ag ON ag.id = th.{_col(Thing, 'agency')})"
    )


def thing_source(city_id: int, key: str) -> LayerSource:
    kind = KEYS[key]
    station = kind == ThingKind.STATION
    properties = (
        "jsonb_build_object("
        "'code', t.code, 'name', t.name, 'kind', t.kind, 'agency', t.agency, "
        "'latest_value', t.latest_value, 'latest_time', t.latest_time, "
        "'latest_property', t.latest_property, 'unit', t.unit_symbol, "
        "'ispu', t.ispu, 'ispu_text', t.ispu_text, 'critical', t.critical, "
        "'category', t.category, 'colour', t.colour, 'stale', t.stale, "
        "'simulated', t.simulated, "
        "'map_class', CASE WHEN t.stale THEN 'stale' ELSE t.category END)"
    )
    return LayerSource(
        key=key,
        title="Kualitas udara (ISPU)" if station else "Harga bahan pokok di pasar",
        relation=_relation(),
        dimension="environment" if station else "economy",
        city_id=city_id,
        geometry_type="Point",
        properties_sql=properties,
        where=("t.kind = %s", "t.active"),
        params=(kind.value,),
        queryables={
            name: Queryable(sql=sql, type=kind_)
            for name, sql, kind_ in (
                ("code", "t.code", "text"),
                ("category", "t.category", "text"),
                ("ispu", "t.ispu", "integer"),
                ("stale", "t.stale", "boolean"),
                ("latest_value", "t.latest_value", "number"),
                (
                    "map_class",
                    "CASE WHEN t.stale THEN 'stale' ELSE t.category END",
                    "text",
                ),
            )
        },
        datetime_sql="t.latest_time",
        tile_properties=("code", "category", "ispu", "stale", "map_class"),
        description=(
            "Air-quality stations with their latest reading and ISPU "
            "(Permen LHK P.14/2020); stale values are marked."
            if station
            else "Markets with the latest price of their reference commodity "
            "against the city average; stale values are marked."
        ),
        style=_style(station),
    )


def _style(station: bool) -> dict[str, Any]:
    """Categorized on `map_class`: the ISPU category (or the market's rating), and
    grey for a stale value (never shown as current)."""
    if station:
        classes = [
            {"value": c.code, "color": c.colour, "label": OFFICIAL_NAMES[c.code]}
            for c in Category
        ]
    else:
        classes = [
            {"value": k, "color": colour, "label": label}
            for (k, colour), label in zip(
                MARKET_COLOURS.items(),
                ("di bawah rata-rata kota", "sekitar rata-rata", "di atas rata-rata"),
                strict=True,
            )
        ]
    classes.append({"value": "stale", "color": "#9ca3af", "label": "data lama (basi)"})
    return {
        "color": "#0e7490" if station else "#b45309",
        "renderer": {
            "type": "categorized",
            "attribute": "map_class",
            "classes": classes,
        },
    }


def observation_stats(sources: list[LayerSource], city: Any) -> dict[str, Stats]:
    """Stats provider: the extents and feature counts of both sources in one query
    (they are not cached: version 0), as the engine's extent and count queries
    give them (the relation is one row per thing; the source keeps active things
    of its kind)."""
    mine = {s.key: KEYS[s.key] for s in sources if s.key in KEYS}
    if not mine:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT kind, ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e), n FROM ("  # noqa: S608
            f"SELECT kind, ST_Extent(geom) AS e, count(*) AS n "
            f"FROM {Thing._meta.db_table} "
            "WHERE city_id = %s AND active AND kind = ANY(%s) GROUP BY kind) x",
            [city.pk, [k.value for k in mine.values()]],
        )
        found = {r[0]: ((r[1], r[2], r[3], r[4]), int(r[5])) for r in cursor}
    return {key: found.get(kind.value, (None, 0)) for key, kind in mine.items()}


def _kinds_present(city_id: int) -> set[str]:
    """The kinds of active things the city has, in one query for both kinds."""
    return set(
        Thing.objects.filter(city_id=city_id, active=True)
        .values_list("kind", flat=True)
        .distinct()
    )


def observation_sources(city: Any, user: Any, key: str | None) -> Iterable[LayerSource]:
    """Registry provider: public, for everyone. The catalogue lists a source only
    when the city has things of its kind (one query for both); a source asked by
    key is served without that query (its relation holds only the city's things,
    so a city without stations gets an empty collection, not another city's)."""
    if key is None:
        present = _kinds_present(city.pk)
        return [thing_source(city.pk, k) for k, kind in KEYS.items() if kind in present]
    if key in KEYS:
        return [thing_source(city.pk, key)]
    return []


def resolve_observation_source(
    city_slug: str, user: Any, key: str
) -> tuple[City, LayerSource] | None:
    """Registry resolver: one of both sources with its city in one query, so an
    items request skips the other providers' look-ups (the ISPU map is hot)."""
    if key not in KEYS:
        return None
    city = City.objects.defer("boundary").filter(slug=city_slug).first()
    if city is None:
        return None  # the general path answers 404
    return city, thing_source(city.pk, key)
