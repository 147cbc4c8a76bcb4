"""The SensorThings entity types, mapped onto the observations tables.

Each `EntityType` says where its rows come from (`source`, with `{t}` for the
row's alias), its properties (SQL for filtering and ordering, SQL for the JSON
output, a type for the filter compiler) and its navigation properties (the SQL
condition linking a child `{c}` to its parent `{p}`). Location and
FeatureOfInterest are the thing's own point, with the thing's id (one of each per
thing, see observations/models.py); HistoricalLocations is a valid, empty set.

Table names come from the models' `_meta`, never from a request.
"""

# This module writes SQL text from the names in observations/sta/schema.py; every
# value from a request is a bound parameter (%(pN)s), never part of the text.
# ruff: noqa: S608

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from layers.models import Feature
from observations.models import (
    Datastream,
    Flag,
    Observation,
    ObservedProperty,
    Sensor,
    Thing,
)

# Types the filter compiler knows.
NUMBER = "number"
STRING = "string"
DATETIME = "datetime"
GEOMETRY = "geometry"
BOOL = "bool"
JSON = "json"
NULL = "null"

GEOJSON = "application/geo+json"


@dataclass(frozen=True)
class Prop:
    name: str
    sql: str | None  # None: output only (not filterable or sortable)
    type: str
    output: str | None = None  # the JSON value; defaults to `sql`


@dataclass(frozen=True)
class Nav:
    name: str
    target: str  # an EntityType name
    many: bool
    cond: str  # links child {c} to parent {p}
    # The child's column equal to the parent's id (Datastreams of a Thing): a fixed
    # parent id then filters the child table directly (and its index, or the
    # observations' partition key index).
    child_fk: str | None = None
    # The parent's column holding the child's id (the Datastream of an Observation).
    parent_fk: str | None = None
    # Children of a visible parent are visible (a thing's datastreams); a Sensor's
    # datastreams are not all visible, so they are checked again.
    inherits_visibility: bool = True
    # The target is the same row (a thing's one Location): a filter may go through
    # it (`st_within(Locations/location, ...)` on Things) although it is a set.
    same_row: bool = False


@dataclass(frozen=True)
class EntityType:
    name: str
    plural: str
    source: str  # FROM item with alias {t}
    props: dict[str, Prop]
    navs: dict[str, Nav]
    default_order: tuple[tuple[str, bool], ...] = (("{t}.id", False),)
    # The order of the whole entity set, when it differs (None: default_order).
    root_order: tuple[tuple[str, bool], ...] | None = None
    # Visibility condition on alias {t}: %(city)s is bound, {layers} is the
    # subquery of the layers the user may see (sql.Scope).
    visibility: str = "TRUE"
    listed: bool = True
    extra: dict[str, str] = field(default_factory=dict)

    def prop(self, name: str) -> Prop | None:
        if name in ("id", "@iot.id"):
            return self.props["@iot.id"]
        return self.props.get(name)


def _props(*items: Prop) -> dict[str, Prop]:
    return {p.name: p for p in items}


def _geojson(expr: str) -> str:
    return f"ST_AsGeoJSON({expr}, 9)::json"


@cache
def entity_types() -> dict[str, EntityType]:
    """Every entity type by name (Thing) and by entity-set name (Things)."""
    thing = Thing._meta.db_table
    ds = Datastream._meta.db_table
    obs = Observation._meta.db_table
    prop = ObservedProperty._meta.db_table
    sensor = Sensor._meta.db_table
    feature = Feature._meta.db_table

    # Things of the city whose map feature (if any) is on a layer the user may see.
    thing_visible = (
        "{t}.city_id = %(city)s AND ({t}.feature_id IS NULL OR EXISTS ("
        f"SELECT 1 FROM {feature} vf WHERE vf.id = {{t}}.feature_id "
        "AND vf.layer_id IN ({layers})))"
    )
    visible_things = thing_visible.replace("{t}", "vt")
    ds_visible = (
        "{t}.city_id = %(city)s AND {t}.thing_id IN ("
        f"SELECT vt.id FROM {thing} vt WHERE {visible_things})"
    )
    obs_visible = (
        f"{{t}}.datastream_id IN (SELECT vd.id FROM {ds} vd WHERE "
        + ds_visible.replace("{t}", "vd")
        + ")"
    )
    thing_properties = (
        "({t}.properties || jsonb_build_object('code', {t}.code, 'kind', {t}.kind, "
        "'simulated', {t}.simulated, 'active', {t}.active))"
    )
    flag_names = ", ".join(f"({bit}, '{name}')" for bit, name in Flag.NAMES.items())
    result_quality = (
        "CASE WHEN {t}.flags = 0 THEN NULL ELSE (SELECT json_agg(fq.n ORDER BY fq.b) "
        f"FROM (VALUES {flag_names}) fq(b, n) WHERE ({{t}}.flags & fq.b) <> 0) END"
    )
    uom = (
        "json_build_object('name', {t}.unit_name, 'symbol', {t}.unit_symbol, "
        "'definition', CASE WHEN {t}.unit_code = '' THEN '' ELSE "
        "'http://unitsofmeasure.org/ucum.html#' || {t}.unit_code END)"
    )

    def interval(start: str, end: str) -> str:
        return (
            f"CASE WHEN {start} IS NULL THEN NULL WHEN {start} = {end} "
            f"THEN to_json({start}) ELSE to_json(to_json({start}) #>> '{{}}' "
            f"|| '/' || (to_json({end}) #>> '{{}}')) END"
        )

    id_prop = Prop("@iot.id", "{t}.id", NUMBER)
    types = [
        EntityType(
            "Thing",
            "Things",
            f"{thing} {{t}}",
            _props(
                id_prop,
                Prop("name", "{t}.name", STRING),
                Prop("description", "{t}.description", STRING),
                Prop("properties", thing_properties, JSON),
            ),
            {
                "Locations": Nav(
                    "Locations",
                    "Location",
                    True,
                    "{c}.id = {p}.id",
                    child_fk="id",
                    same_row=True,
                ),
                "HistoricalLocations": Nav(
                    "HistoricalLocations",
                    "HistoricalLocation",
                    True,
                    "{c}.thing_id = {p}.id",
                    child_fk="thing_id",
                ),
                "Datastreams": Nav(
                    "Datastreams",
                    "Datastream",
                    True,
                    "{c}.thing_id = {p}.id",
                    child_fk="thing_id",
                ),
            },
            visibility=thing_visible,
        ),
        EntityType(
            "Location",
            "Locations",
            f"{thing} {{t}}",
            _props(
                id_prop,
                Prop("name", "{t}.name", STRING),
                Prop("description", "{t}.description", STRING),
                Prop("encodingType", None, STRING, f"'{GEOJSON}'::text"),
                Prop("location", "{t}.geom", GEOMETRY, _geojson("{t}.geom")),
                Prop("properties", thing_properties, JSON),
            ),
            {
                "Things": Nav(
                    "Things",
                    "Thing",
                    True,
                    "{c}.id = {p}.id",
                    child_fk="id",
                    same_row=True,
                ),
                "HistoricalLocations": Nav(
                    "HistoricalLocations",
                    "HistoricalLocation",
                    True,
                    "{c}.thing_id = {p}.id",
                    child_fk="thing_id",
                ),
            },
            visibility=thing_visible,
        ),
        EntityType(
            "HistoricalLocation",
            "HistoricalLocations",
            "(SELECT NULL::bigint AS id, NULL::timestamptz AS time, "
            "NULL::bigint AS thing_id WHERE FALSE) {t}",
            _props(
                id_prop,
                Prop("time", "{t}.time", DATETIME, "to_json({t}.time)"),
            ),
            {
                "Thing": Nav(
                    "Thing",
                    "Thing",
                    False,
                    "{c}.id = {p}.thing_id",
                    parent_fk="thing_id",
                ),
                "Locations": Nav(
                    "Locations", "Location", True, "{c}.id = {p}.thing_id"
                ),
            },
        ),
        EntityType(
            "Datastream",
            "Datastreams",
            f"{ds} {{t}}",
            _props(
                id_prop,
                Prop("name", "{t}.name", STRING),
                Prop("description", "{t}.description", STRING),
                Prop("unitOfMeasurement", None, JSON, uom),
                Prop("unitOfMeasurement/name", "{t}.unit_name", STRING),
                Prop("unitOfMeasurement/symbol", "{t}.unit_symbol", STRING),
                Prop("unitOfMeasurement/definition", "{t}.unit_code", STRING),
                Prop("observationType", "{t}.observation_type", STRING),
                Prop(
                    "observedArea",
                    None,
                    GEOMETRY,
                    _geojson(
                        f"(SELECT oa.geom FROM {thing} oa WHERE oa.id = {{t}}.thing_id)"
                    ),
                ),
                Prop(
                    "phenomenonTime",
                    "{t}.phenomenon_end",
                    DATETIME,
                    interval("{t}.phenomenon_start", "{t}.phenomenon_end"),
                ),
                Prop(
                    "resultTime",
                    "{t}.result_end",
                    DATETIME,
                    interval("{t}.result_start", "{t}.result_end"),
                ),
                Prop(
                    "properties",
                    "jsonb_build_object('latestValue', {t}.latest_value, "
                    "'latestTime', {t}.latest_time)",
                    JSON,
                ),
            ),
            {
                "Thing": Nav(
                    "Thing",
                    "Thing",
                    False,
                    "{c}.id = {p}.thing_id",
                    parent_fk="thing_id",
                ),
                "Sensor": Nav(
                    "Sensor",
                    "Sensor",
                    False,
                    "{c}.id = {p}.sensor_id",
                    parent_fk="sensor_id",
                ),
                "ObservedProperty": Nav(
                    "ObservedProperty",
                    "ObservedProperty",
                    False,
                    "{c}.id = {p}.observed_property_id",
                    parent_fk="observed_property_id",
                ),
                "Observations": Nav(
                    "Observations",
                    "Observation",
                    True,
                    "{c}.datastream_id = {p}.id",
                    child_fk="datastream_id",
                ),
            },
            visibility=ds_visible,
        ),
        EntityType(
            "Sensor",
            "Sensors",
            f"{sensor} {{t}}",
            _props(
                id_prop,
                Prop("name", "{t}.name", STRING),
                Prop("description", "{t}.description", STRING),
                Prop("encodingType", "{t}.encoding_type", STRING),
                Prop("metadata", "{t}.metadata", STRING),
                Prop(
                    "properties",
                    "jsonb_build_object('code', {t}.code, 'class', {t}.sensor_class)",
                    JSON,
                ),
            ),
            {
                "Datastreams": Nav(
                    "Datastreams",
                    "Datastream",
                    True,
                    "{c}.sensor_id = {p}.id",
                    child_fk="sensor_id",
                    inherits_visibility=False,
                ),
            },
            visibility="{t}.city_id = %(city)s",
        ),
        EntityType(
            "ObservedProperty",
            "ObservedProperties",
            f"{prop} {{t}}",
            _props(
                id_prop,
                Prop("name", "{t}.name", STRING),
                Prop("definition", "{t}.definition", STRING),
                Prop("description", "{t}.description", STRING),
                Prop(
                    "properties",
                    "jsonb_build_object('code', {t}.code, 'nameEn', {t}.name_en, "
                    "'kind', {t}.kind, 'group', {t}.\"group\", 'unitSymbol', "
                    "{t}.unit_symbol, 'ispuParameter', {t}.ispu_parameter)",
                    JSON,
                ),
            ),
            {
                "Datastreams": Nav(
                    "Datastreams",
                    "Datastream",
                    True,
                    "{c}.observed_property_id = {p}.id",
                    child_fk="observed_property_id",
                    inherits_visibility=False,
                ),
            },
            visibility="{t}.city_id = %(city)s",
        ),
        EntityType(
            "Observation",
            "Observations",
            f"{obs} {{t}}",
            _props(
                id_prop,
                Prop(
                    "phenomenonTime",
                    "{t}.phenomenon_time",
                    DATETIME,
                    "to_json({t}.phenomenon_time)",
                ),
                Prop("result", "{t}.result", NUMBER),
                Prop(
                    "resultTime",
                    "{t}.result_time",
                    DATETIME,
                    "to_json({t}.result_time)",
                ),
                Prop("resultQuality", None, JSON, result_quality),
            ),
            {
                "Datastream": Nav(
                    "Datastream",
                    "Datastream",
                    False,
                    "{c}.id = {p}.datastream_id",
                    parent_fk="datastream_id",
                ),
                "FeatureOfInterest": Nav(
                    "FeatureOfInterest",
                    "FeatureOfInterest",
                    False,
                    f"{{c}}.id = (SELECT fd.thing_id FROM {ds} fd "
                    "WHERE fd.id = {p}.datastream_id)",
                ),
            },
            # A datastream's pages run along the partition key: its
            # (datastream_id, phenomenon_time) index in every partition, merge-
            # appended. The whole set has no B-tree on time alone (BRIN only): it
            # pages by id, the primary key of every partition.
            default_order=(("{t}.phenomenon_time", False), ("{t}.id", False)),
            root_order=(("{t}.id", False),),
            visibility=obs_visible,
        ),
        EntityType(
            "FeatureOfInterest",
            "FeaturesOfInterest",
            f"{thing} {{t}}",
            _props(
                id_prop,
                Prop("name", "{t}.name", STRING),
                Prop("description", "{t}.description", STRING),
                Prop("encodingType", None, STRING, f"'{GEOJSON}'::text"),
                Prop("feature", "{t}.geom", GEOMETRY, _geojson("{t}.geom")),
                Prop("properties", thing_properties, JSON),
            ),
            {
                "Observations": Nav(
                    "Observations",
                    "Observation",
                    True,
                    f"{{c}}.datastream_id IN (SELECT fd.id FROM {ds} fd "
                    "WHERE fd.thing_id = {p}.id)",
                ),
            },
            visibility=thing_visible,
        ),
    ]
    by_name: dict[str, EntityType] = {}
    for entity in types:
        by_name[entity.name] = entity
        by_name[entity.plural] = entity
    return by_name


def entity_sets() -> list[EntityType]:
    seen: dict[str, EntityType] = {}
    for entity in entity_types().values():
        seen.setdefault(entity.plural, entity)
    return list(seen.values())
