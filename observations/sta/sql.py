"""Compile a SensorThings request (entity type, conditions, OData options) to one
SQL statement whose rows are the entities' JSON, built by PostgreSQL.

Values from the request are only ever bound parameters (`%(pN)s`); table and
column names come from observations/sta/schema.py. Expanded navigation properties
are correlated subqueries aggregated with `json_agg`, so a page with `$expand` is
still one statement.
"""

# This module writes SQL text from the names in observations/sta/schema.py; every
# value from a request is a bound parameter (%(pN)s), never part of the text.
# ruff: noqa: S608

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlencode

from django.contrib.gis.geos import GEOSException, GEOSGeometry

from gis_platform.edges import EdgeError, check_lon_lat
from observations.sta.odata import (
    Binary,
    Call,
    ExpandItem,
    Literal,
    Node,
    ODataError,
    Options,
    OrderItem,
    Path,
    Unary,
)
from observations.sta.schema import (
    BOOL,
    DATETIME,
    GEOMETRY,
    JSON,
    NULL,
    NUMBER,
    STRING,
    EntityType,
    Nav,
    entity_types,
)

DEFAULT_TOP = 100
MAX_TOP = 1000
MAX_ARITHMETIC = 16
MAX_GEOMETRY_POINTS = 10_000

_COMPARE = {"eq": "=", "ne": "<>", "gt": ">", "ge": ">=", "lt": "<", "le": "<="}
_ARITH = {"add": "+", "sub": "-", "mul": "*"}
_SPATIAL = {
    "st_equals": "ST_Equals",
    "st_disjoint": "ST_Disjoint",
    "st_touches": "ST_Touches",
    "st_within": "ST_Within",
    "st_overlaps": "ST_Overlaps",
    "st_crosses": "ST_Crosses",
    "st_intersects": "ST_Intersects",
    "st_contains": "ST_Contains",
    "geo.intersects": "ST_Intersects",
}
_TYPE_WORDS = {
    NUMBER: "a number",
    STRING: "text",
    DATETIME: "a date/time",
    GEOMETRY: "a geometry",
    BOOL: "true/false",
    JSON: "a JSON value",
    NULL: "null",
}
# A path through a collection: "many:" + the type of its values.
MANY = "many:"
_FLIP = {"gt": "lt", "lt": "gt", "ge": "le", "le": "ge"}
_NUMBERS_IN_WKT = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


@dataclass(frozen=True)
class Scope:
    """Who asks, reduced to what the SQL needs: the city and the layers whose
    features the user may see, as the SQL of layers' `visible_to` queryset
    (tenancy.access decides) with its parameters, so it runs inside the page's
    statement instead of a round trip of its own."""

    city_id: int
    layers_sql: str  # SELECT id FROM layers_layer WHERE ... with %s placeholders
    layers_params: tuple[Any, ...]
    base_url: str  # .../sta/<city>/v1.1/

    @classmethod
    def of(cls, queryset: Any, city_id: int, base_url: str) -> Scope:
        """From a queryset of visible layers (`Layer.objects.visible_to(...)`)."""
        sql, params = queryset.order_by().values("id").query.sql_with_params()
        return cls(city_id, sql, tuple(params), base_url)


@dataclass
class Compiler:
    scope: Scope
    params: dict[str, Any] = field(default_factory=dict)
    _aliases: int = 0
    _arith: int = 0
    _decimals: set[str] = field(default_factory=set)
    # LEFT JOIN LATERAL items per row alias: expanded collections (their page and
    # whether more follow, for @iot.nextLink), joined by from_clause().
    _laterals: dict[str, list[str]] = field(default_factory=dict)

    layers: str = ""

    def __post_init__(self) -> None:
        self.params.update(city=self.scope.city_id, base=self.scope.base_url)
        # Django's %s placeholders become this statement's named parameters.
        pieces = self.scope.layers_sql.replace("%%", "\0").split("%s")
        if len(pieces) != len(self.scope.layers_params) + 1:
            raise ValueError("the layers' SQL and its parameters do not match.")
        text = pieces[0]
        for value, piece in zip(self.scope.layers_params, pieces[1:], strict=True):
            text += self.bind(value) + piece
        self.layers = text.replace("\0", "%%")

    # --- helpers -----------------------------------------------------------------
    def bind(self, value: Any) -> str:
        name = f"p{len(self.params)}"
        self.params[name] = value
        return f"%({name})s"

    def decimal(self, sql: str) -> tuple[str, str]:
        """A number computed in `numeric` (may exceed double precision): compared
        with a column, the column is cast to numeric, never the other way."""
        self._decimals.add(sql)
        return sql, NUMBER

    def alias(self) -> str:
        self._aliases += 1
        return f"t{self._aliases}"

    def on(self, template: str, alias: str) -> str:
        return template.replace("{t}", alias).replace("{layers}", self.layers)

    def from_clause(self, entity: EntityType, alias: str) -> str:
        """The FROM item of `alias` with the laterals its JSON needs (call after
        entity_json)."""
        return " ".join([self.on(entity.source, alias), *self._laterals.get(alias, [])])

    def visible(self, entity: EntityType, alias: str) -> str:
        return self.on(entity.visibility, alias)

    def self_link(self, entity: EntityType, alias: str) -> str:
        return f"(%(base)s || '{entity.plural}(' || {alias}.id || ')')"

    # --- filters -----------------------------------------------------------------
    def condition(self, node: Node, entity: EntityType, alias: str) -> str:
        sql, kind = self.expr(node, entity, alias)
        if kind not in (BOOL, NULL):
            raise ODataError("$filter", "must be a condition (true or false).")
        return sql

    def expr(self, node: Node, entity: EntityType, alias: str) -> tuple[str, str]:
        if isinstance(node, Literal):
            return self.literal(node)
        if isinstance(node, Path):
            return self.path(node.parts, entity, alias)
        if isinstance(node, Unary):
            inner, kind = self.expr(node.operand, entity, alias)
            if node.op == "not":
                if kind not in (BOOL, NULL):
                    raise ODataError("$filter", "not needs a condition.")
                return f"(NOT {inner})", BOOL
            if kind != NUMBER:
                raise ODataError("$filter", "'-' needs a number.")
            return self.decimal(f"(-({inner})::numeric)")
        if isinstance(node, Binary):
            return self.binary(node, entity, alias)
        return self.call(node, entity, alias)

    def literal(self, node: Literal) -> tuple[str, str]:
        if node.kind == "string":
            return f"{self.bind(node.value)}::text", STRING
        if node.kind == "int":
            return f"{self.bind(node.value)}::bigint", NUMBER
        if node.kind == "float":
            return f"{self.bind(node.value)}::double precision", NUMBER
        if node.kind == "bool":
            return f"{self.bind(node.value)}::boolean", BOOL
        if node.kind == "datetime":
            if not isinstance(node.value, datetime):
                raise ODataError("$filter", "a date/time literal is malformed.")
            return f"{self.bind(node.value)}::timestamptz", DATETIME
        if node.kind == "geography":
            return (
                f"ST_GeomFromText({self.bind(_wkt(str(node.value)))}, 4326)",
                GEOMETRY,
            )
        return "NULL", NULL

    def path(
        self, parts: tuple[str, ...], entity: EntityType, alias: str
    ) -> tuple[str, str]:
        head = parts[0]
        nav = entity.navs.get(head)
        if nav is not None:
            if len(parts) == 1:
                raise ODataError("$filter", f"{head} is an entity, not a value.")
            if nav.same_row:
                return self.path(parts[1:], entity_types()[nav.target], alias)
            target = entity_types()[nav.target]
            rest = parts[1:]
            if nav.many:
                return self.many_path(nav, target, rest, alias)
            if nav.parent_fk and len(rest) == 1 and rest[0] in ("id", "@iot.id"):
                return f"{alias}.{nav.parent_fk}", NUMBER
            child = self.alias()
            inner, kind = self.path(rest, target, child)
            cond = nav.cond.replace("{c}", child).replace("{p}", alias)
            source = self.on(target.source, child)
            return f"(SELECT {inner} FROM {source} WHERE {cond} LIMIT 1)", kind
        name = "/".join(parts)
        prop = entity.prop(name)
        if prop is None and head in ("properties", "parameters") and len(parts) > 1:
            base = entity.prop(head)
            if base is not None and base.sql is not None:
                keys = ", ".join(self.bind(p) for p in parts[1:])
                return f"({self.on(base.sql, alias)}::jsonb -> {keys})", JSON
        if prop is None:
            raise ODataError("$filter", f"{entity.name} has no property {name!r}.")
        if prop.sql is None:
            raise ODataError("$filter", f"{name} cannot be used in a filter.")
        sql = self.on(prop.sql, alias)
        if prop.type == JSON:
            sql = f"({sql})::jsonb"
        return sql, prop.type

    def many_path(
        self, nav: Nav, target: EntityType, rest: tuple[str, ...], alias: str
    ) -> tuple[str, str]:
        """A path through a collection (`Datastreams/ObservedProperty/name` on
        Things): the SELECT of its values, compared with ANY (some member
        matches)."""
        child = self.alias()
        inner, kind = self.path(rest, target, child)
        where = [nav.cond.replace("{c}", child).replace("{p}", alias)]
        if not nav.inherits_visibility:
            where.append(self.visible(target, child))
        source = self.on(target.source, child)
        condition = " AND ".join(where)
        if kind.startswith(MANY):
            values = self.alias()
            return (
                f"SELECT {values}.v FROM {source} CROSS JOIN LATERAL ({inner}) "
                f"{values}(v) WHERE {condition}",
                kind,
            )
        return f"SELECT {inner} FROM {source} WHERE {condition}", MANY + kind

    def binary(self, node: Binary, entity: EntityType, alias: str) -> tuple[str, str]:
        op = node.op
        left, lk = self.expr(node.left, entity, alias)
        right, rk = self.expr(node.right, entity, alias)
        if op in ("and", "or"):
            if lk not in (BOOL, NULL) or rk not in (BOOL, NULL):
                raise ODataError("$filter", f"{op} joins conditions (true or false).")
            return f"({left} {op.upper()} {right})", BOOL
        if op in _COMPARE:
            return self.compare(op, left, lk, right, rk), BOOL
        self._arith += 1
        if self._arith > MAX_ARITHMETIC:
            raise ODataError("$filter", f"has more than {MAX_ARITHMETIC} operations.")
        if lk not in (NUMBER, NULL) or rk not in (NUMBER, NULL):
            raise ODataError("$filter", f"{op} needs numbers.")
        # numeric: no overflow error on huge values; NULLIF: no division by zero.
        if op == "div":
            return self.decimal(f"(({left})::numeric / NULLIF(({right})::numeric, 0))")
        if op == "mod":
            return self.decimal(
                f"mod(({left})::numeric, NULLIF(({right})::numeric, 0))"
            )
        return self.decimal(f"(({left})::numeric {_ARITH[op]} ({right})::numeric)")

    def compare(self, op: str, left: str, lk: str, right: str, rk: str) -> str:
        sql_op = _COMPARE[op]
        if lk.startswith(MANY) or rk.startswith(MANY):
            return self.compare_any(op, left, lk, right, rk)
        if NULL in (lk, rk):
            if op not in ("eq", "ne"):
                raise ODataError("$filter", "null can only be compared with eq or ne.")
            other = right if lk == NULL else left
            return f"({other} IS {'NOT ' if op == 'ne' else ''}NULL)"
        if lk == JSON or rk == JSON:
            # jsonb compares numbers as numbers and text as text, never raising.
            lj = left if lk == JSON else f"to_jsonb({left})"
            rj = right if rk == JSON else f"to_jsonb({right})"
            return f"({lj} {sql_op} {rj})"
        if lk != rk:
            raise ODataError(
                "$filter",
                f"cannot compare {_word(lk)} with {_word(rk)}.",
            )
        if lk == GEOMETRY:
            raise ODataError("$filter", "compare geometries with st_equals.")
        if lk == NUMBER and (left in self._decimals or right in self._decimals):
            return f"(({left})::numeric {sql_op} ({right})::numeric)"
        return f"({left} {sql_op} {right})"

    def compare_any(self, op: str, left: str, lk: str, right: str, rk: str) -> str:
        """`value op ANY (SELECT ...)`; a collection on the left flips the operator
        (Datastreams/result gt 5: 5 < ANY (...))."""
        if lk.startswith(MANY) and rk.startswith(MANY):
            raise ODataError("$filter", "cannot compare two collections.")
        if lk.startswith(MANY):
            values, kind, other, ok = left, lk[len(MANY) :], right, rk
            op = _FLIP.get(op, op)
        else:
            values, kind, other, ok = right, rk[len(MANY) :], left, lk
        if ok == NULL:
            raise ODataError("$filter", "a collection cannot be compared with null.")
        if kind == JSON and ok != JSON:
            other = f"to_jsonb({other})"
        elif kind != ok or kind == GEOMETRY:
            raise ODataError(
                "$filter", f"cannot compare {_word(kind)} with {_word(ok)}."
            )
        if kind == NUMBER and other in self._decimals:
            values = f"SELECT dv.v::numeric FROM ({values}) dv(v)"
        return f"({other} {_COMPARE[op]} ANY ({values}))"

    def text_arg(self, node: Node, entity: EntityType, alias: str) -> str:
        sql, kind = self.expr(node, entity, alias)
        if kind == JSON:
            return f"(({sql}) #>> '{{}}')"
        if kind not in (STRING, NULL):
            raise ODataError("$filter", f"expected text but found {_word(kind)}.")
        return sql

    def typed_arg(self, node: Node, entity: EntityType, alias: str, want: str) -> str:
        sql, kind = self.expr(node, entity, alias)
        if kind not in (want, NULL):
            raise ODataError(
                "$filter",
                f"expected {_word(want)} but found {_word(kind)}.",
            )
        return sql

    def call(self, node: Call, entity: EntityType, alias: str) -> tuple[str, str]:
        name, args = node.name, node.args

        def text(i: int) -> str:
            return self.text_arg(args[i], entity, alias)

        def typed(i: int, want: str) -> str:
            return self.typed_arg(args[i], entity, alias, want)

        if name == "substringof":
            return f"(strpos({text(1)}, {text(0)}) > 0)", BOOL
        if name == "contains":
            return f"(strpos({text(0)}, {text(1)}) > 0)", BOOL
        if name == "startswith":
            return f"starts_with({text(0)}, {text(1)})", BOOL
        if name == "endswith":
            a, b = text(0), text(1)
            return f"(right({a}, char_length({b})) = {b})", BOOL
        if name == "length":
            return f"char_length({text(0)})", NUMBER
        if name == "indexof":
            return f"(strpos({text(0)}, {text(1)}) - 1)", NUMBER
        if name == "substring":
            start = _clamped_int(typed(1, NUMBER))
            if len(args) == 3:
                count = _clamped_int(typed(2, NUMBER), low=0)
                return f"substr({text(0)}, {start} + 1, {count})", STRING
            return f"substr({text(0)}, {start} + 1)", STRING
        if name == "tolower":
            return f"lower({text(0)})", STRING
        if name == "toupper":
            return f"upper({text(0)})", STRING
        if name == "trim":
            return f"btrim({text(0)})", STRING
        if name == "concat":
            return f"({text(0)} || {text(1)})", STRING
        if name in ("year", "month", "day", "hour", "minute", "second"):
            moment = typed(0, DATETIME)
            return f"extract({name} FROM ({moment}) AT TIME ZONE 'UTC')", NUMBER
        if name == "date":
            moment = typed(0, DATETIME)
            day = f"date_trunc('day', ({moment}) AT TIME ZONE 'UTC')"
            return f"({day} AT TIME ZONE 'UTC')", DATETIME
        if name == "now":
            return "now()", DATETIME
        if name in ("round", "floor", "ceiling"):
            fn = {"round": "round", "floor": "floor", "ceiling": "ceil"}[name]
            return self.decimal(f"{fn}(({typed(0, NUMBER)})::numeric)")
        if name == "geo.distance":
            a, b = typed(0, GEOMETRY), typed(1, GEOMETRY)
            # Metres on the spheroid (FROST answers in degrees of the CRS).
            return f"ST_Distance(({a})::geography, ({b})::geography)", NUMBER
        if name == "geo.length":
            return f"ST_Length(({typed(0, GEOMETRY)})::geography)", NUMBER
        if name in _SPATIAL:
            a, b = typed(0, GEOMETRY), typed(1, GEOMETRY)
            return f"{_SPATIAL[name]}({a}, {b})", BOOL
        raise ODataError("$filter", f"the function {name} is not supported.")

    # --- ordering ----------------------------------------------------------------
    def order_by(
        self,
        items: list[OrderItem],
        entity: EntityType,
        alias: str,
        option: str,
        *,
        root: bool = False,
    ) -> str:
        parts: list[str] = []
        for item in items:
            try:
                sql, kind = self.expr(item.expr, entity, alias)
            except ODataError as exc:
                raise ODataError(option, exc.message) from None
            if kind == GEOMETRY or kind.startswith(MANY):
                raise ODataError(option, f"cannot order by {_word(kind)}.")
            if isinstance(item.expr, Literal):
                # ORDER BY NULL is an SQL error; ordering by a constant says nothing.
                raise ODataError(option, "cannot order by a constant.")
            parts.append(f"{sql} {'DESC' if item.descending else 'ASC'}")
        default = entity.default_order
        if root and entity.root_order is not None:
            default = entity.root_order
        for column, descending in default:
            parts.append(f"{self.on(column, alias)} {'DESC' if descending else 'ASC'}")
        return ", ".join(parts)

    # --- JSON --------------------------------------------------------------------
    def entity_json(
        self, entity: EntityType, alias: str, options: Options, *, ref: bool = False
    ) -> str:
        pairs: list[tuple[str, str]] = []
        if ref:
            pairs.append(("@iot.selfLink", self.self_link(entity, alias)))
            return _build(pairs)
        selected = options.select
        names = set(selected or [])
        for name in names:
            if name in ("id", "@iot.id", "@iot.selfLink"):
                continue
            prop = entity.props.get(name)
            if (prop is None or "/" in name) and name not in entity.navs:
                raise ODataError("$select", f"{entity.name} has no property {name!r}.")
        everything = selected is None
        if everything or names & {"id", "@iot.id"}:
            pairs.append(("@iot.id", f"{alias}.id"))
        if everything or "@iot.selfLink" in names:
            pairs.append(("@iot.selfLink", self.self_link(entity, alias)))
        for name, prop in entity.props.items():
            if name == "@iot.id" or "/" in name:
                continue
            if everything or name in names:
                pairs.append((name, self.on(prop.output or prop.sql or "NULL", alias)))
        expanded = {item.path[0]: item for item in options.expand}
        for name in expanded:
            if name not in entity.navs:
                raise ODataError(
                    "$expand", f"{entity.name} has no navigation {name!r}."
                )
        merged: list[str] = []
        for name, nav in entity.navs.items():
            if name in expanded:
                pairs.extend(self.expand(entity, nav, alias, expanded[name], merged))
            elif everything or name in names:
                link = f"({self.self_link(entity, alias)} || '/{name}')"
                pairs.append((f"{name}@iot.navigationLink", link))
        if merged:
            # Keys present only when more follow: merged in as jsonb.
            return f"({_build(pairs)}::jsonb || {' || '.join(merged)})::json"
        return _build(pairs)

    def expand(
        self,
        entity: EntityType,
        nav: Nav,
        parent: str,
        item: ExpandItem,
        merged: list[str],
    ) -> list[tuple[str, str]]:
        target = entity_types()[nav.target]
        child = self.alias()
        options = item.options
        where = [nav.cond.replace("{c}", child).replace("{p}", parent)]
        if not nav.inherits_visibility:
            where.append(self.visible(target, child))
        if options.filter is not None:
            where.append(self.condition(options.filter, target, child))
        body = self.entity_json(target, child, options)
        source = self.from_clause(target, child)
        condition = " AND ".join(where)
        if not nav.many:
            return [
                (nav.name, f"(SELECT {body} FROM {source} WHERE {condition} LIMIT 1)")
            ]
        order = self.order_by(options.orderby, target, child, "$expand")
        top = DEFAULT_TOP if options.top is None else options.top
        # One row more than the page tells whether a nextLink is due.
        rows = (
            f"SELECT {body} AS j FROM {source} WHERE {condition} ORDER BY {order} "
            f"LIMIT {self.bind(top + 1)} OFFSET {self.bind(options.skip)}"
        )
        numbered = f"SELECT y.j, row_number() OVER () AS rn FROM ({rows}) y"
        page = self.alias()
        size = self.bind(top)
        self._laterals.setdefault(parent, []).append(
            "LEFT JOIN LATERAL (SELECT coalesce(json_agg(x.j ORDER BY x.rn) "
            f"FILTER (WHERE x.rn <= {size}), '[]'::json) AS v, "
            f"count(*) > {size} AS more FROM ({numbered}) x) {page} ON TRUE"
        )
        query = {k: v for k, v in item.raw.items() if k not in ("$top", "$skip")}
        query.update({"$top": str(top), "$skip": str(options.skip + top)})
        link = (
            f"({self.self_link(entity, parent)} || '/{nav.name}?' || "
            f"{self.bind(encode_query(query))})"
        )
        merged.append(
            f"CASE WHEN {page}.more THEN jsonb_build_object("
            f"'{nav.name}@iot.nextLink', {link}) ELSE '{{}}'::jsonb END"
        )
        pairs = [(nav.name, f"{page}.v")]
        if options.count:
            counted = self.alias()
            cond2 = nav.cond.replace("{c}", counted).replace("{p}", parent)
            where2 = [cond2]
            if not nav.inherits_visibility:
                where2.append(self.visible(target, counted))
            if options.filter is not None:
                where2.append(self.condition(options.filter, target, counted))
            pairs.insert(
                0,
                (
                    f"{nav.name}@iot.count",
                    f"(SELECT count(*) FROM {self.on(target.source, counted)} "
                    f"WHERE {' AND '.join(where2)})",
                ),
            )
        return pairs


def encode_query(params: dict[str, str]) -> str:
    """A query string as nextLinks write it (OData's punctuation left readable)."""
    return urlencode(params, quote_via=quote, safe="$,()'/:;@")


def _word(kind: str) -> str:
    if kind.startswith(MANY):
        return "a collection"
    return _TYPE_WORDS.get(kind, kind)


def _build(pairs: list[tuple[str, str]]) -> str:
    """json_build_object takes at most 100 arguments: chunk and concatenate."""
    if not pairs:
        return "'{}'::json"
    chunks = [pairs[i : i + 45] for i in range(0, len(pairs), 45)]
    parts = [
        "json_build_object(" + ", ".join(f"'{k}', {v}" for k, v in chunk) + ")"
        for chunk in chunks
    ]
    if len(parts) == 1:
        return parts[0]
    return "(" + " || ".join(f"{p}::jsonb" for p in parts) + ")::json"


def _clamped_int(sql: str, *, low: int = -(10**6)) -> str:
    return f"(greatest(least(({sql})::numeric, 1000000), {low}))::int"


def _wkt(text: str) -> str:
    """A geography literal's WKT, checked before GEOS sees it: coordinates in range,
    a bounded size, a valid geometry. Returns GEOS's own WKT."""
    numbers = _NUMBERS_IN_WKT.findall(text)
    if len(numbers) > 2 * MAX_GEOMETRY_POINTS:
        raise ODataError("$filter", "the geometry has too many points.")
    values = [float(n) for n in numbers]
    if len(values) % 2:
        raise ODataError("$filter", "geometries are written with (lon lat) pairs.")
    for i in range(0, len(values), 2):
        try:
            if not (math.isfinite(values[i]) and math.isfinite(values[i + 1])):
                raise EdgeError("geometry", "coordinates must be finite numbers.")
            check_lon_lat(values[i], values[i + 1], "geometry")
        except EdgeError as exc:
            raise ODataError("$filter", exc.message) from None
    try:
        geom = GEOSGeometry(text, srid=4326)
    except (GEOSException, ValueError, TypeError):
        raise ODataError("$filter", f"{text[:60]!r} is not valid WKT.") from None
    if geom.empty or not geom.valid:
        raise ODataError("$filter", f"the geometry {text[:60]!r} is not valid.")
    return geom.wkt
