"""CQL2 filters (OGC API Features Part 3) compiled to parameterized SQL.

pygeofilter parses CQL2 text and JSON into an AST; this module walks that AST over a
source's queryables. Property names resolve only to SQL the source declared; every
literal (strings, numbers, geometries as GeoJSON, instants) is a bound parameter.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time
from typing import Any

from pygeofilter import ast, values
from pygeofilter.parsers.cql2_json import parse as parse_cql2_json
from pygeofilter.parsers.cql2_text import parse as parse_cql2_text

from layers.engine.params import BadParameter
from layers.engine.sources import LayerSource

MAX_FILTER_LENGTH = 20_000
MAX_DEPTH = 40

_COMPARISON = {op: op.value for op in ast.ComparisonOp}
_ARITHMETIC = {op: op.value for op in ast.ArithmeticOp}
_SPATIAL = {
    ast.SpatialComparisonOp.INTERSECTS: "ST_Intersects",
    ast.SpatialComparisonOp.DISJOINT: "ST_Disjoint",
    ast.SpatialComparisonOp.CONTAINS: "ST_Contains",
    ast.SpatialComparisonOp.WITHIN: "ST_Within",
    ast.SpatialComparisonOp.TOUCHES: "ST_Touches",
    ast.SpatialComparisonOp.CROSSES: "ST_Crosses",
    ast.SpatialComparisonOp.OVERLAPS: "ST_Overlaps",
    ast.SpatialComparisonOp.EQUALS: "ST_Equals",
}
GEOMETRY_NAMES = ("geometry", "geom")
DATETIME_NAMES = ("datetime",)
_FUNCTIONS = {"lower": "lower", "upper": "upper", "casei": "lower", "accenti": ""}


def parse_filter(raw: str, lang: str | None) -> ast.Node:
    """Parse `filter` in `filter-lang` (cql2-text, the default, or cql2-json)."""
    if len(raw) > MAX_FILTER_LENGTH:
        raise BadParameter("filter", "too long.")
    lang = (lang or "cql2-text").lower()
    try:
        if lang == "cql2-text":
            return parse_cql2_text(raw)
        if lang == "cql2-json":
            return parse_cql2_json(json.loads(raw))
    except RecursionError:
        raise BadParameter("filter", "nested too deeply.") from None
    except Exception as exc:  # lark and the JSON walker raise many kinds
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        raise BadParameter(
            "filter", f"not valid {lang}: {first[:160] or type(exc).__name__}"
        ) from None
    raise BadParameter("filter-lang", "use cql2-text or cql2-json.")


class _Compiler:
    def __init__(
        self, source: LayerSource, storage_srid: int, filter_srid: int, flip: bool
    ):
        self.source = source
        self.flip = flip
        # Set when the filter is about time: then expired rows are candidates too.
        self.uses_time = False
        self.params: list[Any] = []
        self.filter_srid = filter_srid
        self.storage_srid = storage_srid
        self.depth = 0

    # -- helpers -------------------------------------------------------------------
    def param(self, value: Any) -> str:
        self.params.append(value)
        return "%s"

    def fail(self, message: str) -> BadParameter:
        return BadParameter("filter", message)

    def attribute(self, name: str) -> tuple[str, str]:
        """SQL and type of a property name."""
        queryable = self.source.queryables.get(name)
        if queryable is not None:
            return queryable.sql, queryable.type
        if name in GEOMETRY_NAMES:
            return f"t.{self.source.geom_column}", "geometry"
        if name == "id":
            return f"t.{self.source.id_column}", "integer"
        if name in DATETIME_NAMES and self.source.datetime_sql:
            self.uses_time = True
            return self.source.datetime_sql, "date"
        raise self.fail(f"unknown property {name[:80]!r}; see /queryables.")

    def geometry(self, node: Any) -> str:
        if isinstance(node, ast.Attribute):
            sql, kind = self.attribute(node.name)
            if kind != "geometry":
                raise self.fail(f"{node.name!r} is not a geometry.")
            return sql
        if isinstance(node, values.Geometry | values.Envelope):
            geojson = json.dumps(node.geometry)
            if len(geojson) > MAX_FILTER_LENGTH:
                raise self.fail("geometry too large.")
            sql = f"ST_SetSRID(ST_GeomFromGeoJSON({self.param(geojson)}), %s)"
            self.params.append(self.filter_srid)
            if self.flip:
                sql = f"ST_FlipCoordinates({sql})"
            if self.filter_srid != self.storage_srid:
                sql = f"ST_Transform({sql}, {self.param(self.storage_srid)})"
            return sql
        raise self.fail("expected a geometry or the geometry property.")

    def instant(self, value: Any) -> datetime:
        if isinstance(value, datetime):
            return value if value.tzinfo else value.replace(tzinfo=UTC)
        if isinstance(value, date):
            return datetime.combine(value, time.min, tzinfo=UTC)
        raise self.fail("expected a TIMESTAMP or DATE.")

    def temporal_bounds(self, node: Any) -> tuple[str, str]:
        """(start SQL, end SQL) of a temporal operand; NULL bounds are open."""
        if isinstance(node, ast.Attribute):
            if node.name in DATETIME_NAMES and self.source.datetime_sql:
                self.uses_time = True
                end = self.source.datetime_end_sql or self.source.datetime_sql
                return (
                    f"coalesce({self.source.datetime_sql}, '-infinity'::timestamptz)",
                    f"coalesce({end}, 'infinity'::timestamptz)",
                )
            sql, kind = self.attribute(node.name)
            if kind != "date":
                raise self.fail(f"{node.name!r} is not a date-time.")
            return sql, sql
        if isinstance(node, values.Interval):
            start = (
                self.param(self.instant(node.start))
                if node.start is not None
                else "'-infinity'::timestamptz"
            )
            end = (
                self.param(self.instant(node.end))
                if node.end is not None
                else "'infinity'::timestamptz"
            )
            return f"{start}::timestamptz", f"{end}::timestamptz"
        instant = self.param(self.instant(node)) + "::timestamptz"
        return instant, instant

    # -- walker --------------------------------------------------------------------
    def compile(self, node: Any) -> str:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.fail("nested too deeply.")
        try:
            return self._compile(node)
        finally:
            self.depth -= 1

    def scalar(self, node: Any) -> tuple[str, str]:
        """SQL and type of a scalar expression."""
        if isinstance(node, ast.Attribute):
            return self.attribute(node.name)
        if isinstance(node, ast.Arithmetic):
            lhs, _ = self.scalar(node.lhs)
            rhs, _ = self.scalar(node.rhs)
            return f"({lhs} {_ARITHMETIC[node.op]} {rhs})", "number"
        if isinstance(node, ast.Function):
            name = node.name.lower()
            if name not in _FUNCTIONS or len(node.arguments) != 1:
                raise self.fail(f"unsupported function {node.name[:40]!r}.")
            arg, _kind = self.scalar(node.arguments[0])
            func = _FUNCTIONS[name]
            return (f"{func}({arg}::text)" if func else arg), "text"
        if isinstance(node, bool):
            return self.param(node), "boolean"
        if isinstance(node, int | float):
            return self.param(node), "number"
        if isinstance(node, str):
            return f"{self.param(node)}::text", "text"
        if isinstance(node, datetime | date):
            return f"{self.param(self.instant(node))}::timestamptz", "date"
        raise self.fail(f"unsupported expression {type(node).__name__}.")

    def _compile(self, node: Any) -> str:
        if isinstance(node, ast.Include):
            return "FALSE" if node.not_ else "TRUE"
        if isinstance(node, ast.Not):
            return f"NOT ({self.compile(node.sub_node)})"
        if isinstance(node, ast.Combination):
            joiner = " AND " if node.op == ast.CombinationOp.AND else " OR "
            return f"({self.compile(node.lhs)}{joiner}{self.compile(node.rhs)})"
        if isinstance(node, ast.Comparison):
            lhs, _ = self.scalar(node.lhs)
            rhs, _ = self.scalar(node.rhs)
            return f"({lhs} {_COMPARISON[node.op]} {rhs})"
        if isinstance(node, ast.Between):
            lhs, _ = self.scalar(node.lhs)
            low, _ = self.scalar(node.low)
            high, _ = self.scalar(node.high)
            neg = "NOT " if node.not_ else ""
            return f"({lhs} {neg}BETWEEN {low} AND {high})"
        if isinstance(node, ast.Like):
            lhs, _ = self.scalar(node.lhs)
            if not isinstance(node.pattern, str):
                raise self.fail("LIKE needs a text pattern.")
            op = "ILIKE" if node.nocase else "LIKE"
            neg = "NOT " if node.not_ else ""
            pattern = self.param(_like_pattern(node.pattern))
            return f"({lhs}::text {neg}{op} {pattern} ESCAPE '\\')"
        if isinstance(node, ast.In):
            lhs, _ = self.scalar(node.lhs)
            if not node.sub_nodes or len(node.sub_nodes) > 1000:
                raise self.fail("IN needs 1 to 1000 values.")
            items = ", ".join(self.scalar(item)[0] for item in node.sub_nodes)
            neg = "NOT " if node.not_ else ""
            return f"({lhs} {neg}IN ({items}))"
        if isinstance(node, ast.IsNull):
            lhs, _ = self.scalar(node.lhs)
            return f"({lhs} IS {'NOT ' if node.not_ else ''}NULL)"
        if isinstance(node, ast.SpatialComparisonPredicate):
            lhs = self.geometry(node.lhs)
            rhs = self.geometry(node.rhs)
            return f"{_SPATIAL[node.op]}({lhs}, {rhs})"
        if isinstance(node, ast.BBox):
            lhs = self.geometry(node.lhs)
            env = values.Envelope(node.minx, node.maxx, node.miny, node.maxy)
            return f"ST_Intersects({lhs}, {self.geometry(env)})"
        if isinstance(node, ast.TemporalPredicate):
            return self.temporal(node)
        raise self.fail(f"unsupported operator {type(node).__name__}.")

    def temporal(self, node: ast.TemporalPredicate) -> str:
        a0, a1 = self.temporal_bounds(node.lhs)
        b0, b1 = self.temporal_bounds(node.rhs)
        op = ast.TemporalComparisonOp
        rules = {
            op.AFTER: f"{a0} > {b1}",
            op.BEFORE: f"{a1} < {b0}",
            op.DISJOINT: f"({a1} < {b0} OR {a0} > {b1})",
            op.TEQUALS: f"({a0} = {b0} AND {a1} = {b1})",
            op.DURING: f"({a0} > {b0} AND {a1} < {b1})",
            op.TCONTAINS: f"({a0} < {b0} AND {a1} > {b1})",
            op.BEGINS: f"({a0} = {b0} AND {a1} < {b1})",
            op.BEGUNBY: f"({a0} = {b0} AND {a1} > {b1})",
            op.ENDS: f"({a0} > {b0} AND {a1} = {b1})",
            op.ENDEDBY: f"({a0} < {b0} AND {a1} = {b1})",
            op.MEETS: f"{a1} = {b0}",
            op.METBY: f"{a0} = {b1}",
            # pygeofilter maps T_INTERSECTS to TOVERLAPS; CQL2 T_INTERSECTS means the
            # intervals share any instant, which is what clients expect here.
            op.TOVERLAPS: f"({a0} <= {b1} AND {a1} >= {b0})",
            op.OVERLAPPEDBY: f"({a0} > {b0} AND {a0} < {b1} AND {a1} > {b1})",
            op.BEFORE_OR_DURING: f"{a1} <= {b1}",
            op.DURING_OR_AFTER: f"{a0} >= {b0}",
        }
        if node.op not in rules:
            raise self.fail("unsupported temporal operator.")
        return f"({rules[node.op]})"


def _like_pattern(pattern: str) -> str:
    r"""CQL2 LIKE (% any, _ one, \ escapes) as a PostgreSQL LIKE pattern."""
    out = []
    chars = iter(pattern)
    for ch in chars:
        if ch == "\\":
            nxt = next(chars, "")
            out.append("\\" + nxt if nxt in ("%", "_", "\\") else nxt)
        else:
            out.append(ch)
    return "".join(out)


def compile_filter(
    node: ast.Node,
    source: LayerSource,
    *,
    filter_srid: int = 4326,
    filter_lat_first: bool = False,
    storage_srid: int = 4326,
) -> tuple[str, list[Any], bool]:
    """SQL over alias `t`, its parameters, and whether it filters on time."""
    compiler = _Compiler(source, storage_srid, filter_srid, filter_lat_first)
    sql = compiler.compile(node)
    return sql, compiler.params, compiler.uses_time
