"""CQL2 filters (OGC API Features Part 3) compiled to parameterized SQL.

pygeofilter parses CQL2 text and JSON into an AST; this module walks that AST over a
source's queryables. Property names resolve only to SQL the source declared; every
literal (strings, numbers, geometries as GeoJSON, instants) is a bound parameter.
"""

from __future__ import annotations

import contextlib
import json
import math
import re
from datetime import UTC, date, datetime, time
from typing import Any

from django.contrib.gis.gdal import GDALException
from django.contrib.gis.geos import GEOSException, GEOSGeometry
from pygeofilter import ast, values
from pygeofilter.parsers.cql2_json import parse as parse_cql2_json
from pygeofilter.parsers.cql2_text import parse as parse_cql2_text

from gis_platform.edges import EdgeError, clean_text
from layers.engine.crs import CRS84, SUPPORTED, Crs, check_geojson_coordinates
from layers.engine.params import BadParameter, to_utc
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
# 2027-01-01 or 2027-01-01T10:00:00[Z|+07:00] (see dates_for_strings).
_ISO_DATE = re.compile(
    r"\d{4}-\d{2}-\d{2}"
    r"(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
)
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
            return parse_cql2_json(_bbox_order(json.loads(raw)))
    except RecursionError:
        raise BadParameter("filter", "nested too deeply.") from None
    except Exception as exc:  # lark and the JSON walker raise many kinds
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        raise BadParameter(
            "filter", f"not valid {lang}: {first[:160] or type(exc).__name__}"
        ) from None
    raise BadParameter("filter-lang", "use cql2-text or cql2-json.")


def _bbox_order(node: Any) -> Any:
    """CQL2 JSON writes a bbox literal as [minx, miny, maxx, maxy]; pygeofilter's
    Envelope takes (minx, maxx, miny, maxy): reorder before it reads them."""
    if isinstance(node, list):
        return [_bbox_order(item) for item in node]
    if not isinstance(node, dict):
        return node
    box = node.get("bbox")
    if isinstance(box, list) and len(box) in (4, 6) and "op" not in node:
        half = len(box) // 2
        return {**node, "bbox": [box[0], box[half], box[1], box[half + 1]]}
    return {key: _bbox_order(value) for key, value in node.items()}


# Type groups of scalar expressions: integer and number compare with each other.
_GROUP = {"integer": "number", "number": "number", "boolean": "boolean"}
_GROUP |= {"date": "date", "geometry": "geometry"}
_ORDERED = ("number", "text", "date")
_GEOJSON_TYPES = {
    "Point",
    "MultiPoint",
    "LineString",
    "MultiLineString",
    "Polygon",
    "MultiPolygon",
}


def _group(kind: str) -> str:
    return _GROUP.get(kind, "text")


class _Compiler:
    def __init__(self, source: LayerSource, storage_srid: int, filter_crs: Crs) -> None:
        self.source = source
        # Set when the filter is about time: then expired rows are candidates too.
        self.uses_time = False
        self.params: list[Any] = []
        self.filter_crs = filter_crs
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
            crs = self.literal_crs(node.geometry)
            geojson = self.checked_geojson(node.geometry, crs)
            sql = f"ST_SetSRID(ST_GeomFromGeoJSON({self.param(geojson)}), %s)"
            self.params.append(crs.srid)
            if crs.lat_first:
                sql = f"ST_FlipCoordinates({sql})"
            if crs.srid != self.storage_srid:
                sql = f"ST_Transform({sql}, {self.param(self.storage_srid)})"
            return sql
        raise self.fail("expected a geometry or the geometry property.")

    def literal_crs(self, geometry: Any) -> Crs:
        """The CRS of a geometry literal: `filter-crs`, or the SRID of an EWKT
        literal (`SRID=3857;POINT(...)`, x/y order) when it names one we serve."""
        named = geometry.get("crs") if isinstance(geometry, dict) else None
        if named is None:
            return self.filter_crs
        name = str((named.get("properties") or {}).get("name", ""))
        code = name.rsplit(":", 1)[-1]
        for crs in SUPPORTED:
            if str(crs.srid) == code and not crs.lat_first:
                return crs
        raise self.fail(f"unsupported SRID in a geometry literal: {code[:20]!r}.")

    def checked_geojson(self, geometry: Any, crs: Crs, depth: int = 0) -> str:
        """A geometry literal as GeoJSON text, its coordinates checked against the
        CRS's range and its shape by GEOS (after the range check: GEOS aborts the
        process on some huge values), so PostGIS never fails mid-response."""
        self.check_literal(geometry, crs, depth)
        geojson = json.dumps({k: v for k, v in geometry.items() if k != "crs"})
        if len(geojson) > MAX_FILTER_LENGTH:
            raise self.fail("geometry too large.")
        try:
            geom = GEOSGeometry(geojson)
        except (ValueError, TypeError, GEOSException, GDALException):
            raise self.fail("not a valid geometry literal.") from None
        if not geom.valid:
            raise self.fail(f"invalid geometry: {geom.valid_reason[:120]}.")
        return geojson

    def check_literal(self, geometry: Any, crs: Crs, depth: int) -> None:
        if not isinstance(geometry, dict) or depth > 4:
            raise self.fail("not a valid geometry literal.")
        if geometry.get("type") == "GeometryCollection":
            parts = geometry.get("geometries")
            if not isinstance(parts, list | tuple) or not parts:
                raise self.fail("a GeometryCollection needs geometries.")
            for part in parts:
                self.check_literal(part, crs, depth + 1)
            return
        if geometry.get("type") not in _GEOJSON_TYPES:
            raise self.fail("not a valid geometry literal.")
        check_geojson_coordinates(geometry.get("coordinates"), crs, "filter")

    def instant(self, value: Any) -> datetime:
        try:
            if isinstance(value, datetime):
                return to_utc(value)
            if isinstance(value, date):
                return datetime.combine(value, time.min, tzinfo=UTC)
        except OverflowError:
            raise self.fail("a TIMESTAMP outside the calendar.") from None
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
        """SQL and type group (number, text, boolean, date, geometry) of a scalar."""
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.fail("nested too deeply.")
        try:
            return self._scalar(node)
        finally:
            self.depth -= 1

    def _scalar(self, node: Any) -> tuple[str, str]:
        if isinstance(node, ast.Attribute):
            sql, kind = self.attribute(node.name)
            return sql, _group(kind)
        if isinstance(node, ast.Arithmetic):
            lhs = self.typed(node.lhs, "number", "arithmetic")
            rhs = self.typed(node.rhs, "number", "arithmetic")
            # In numeric, whatever the operands: no float overflow; x / 0 is NULL
            # (no match) rather than an error in the middle of a response.
            if node.op == ast.ArithmeticOp.DIV:
                if isinstance(node.rhs, int | float) and node.rhs == 0:
                    raise self.fail("division by zero.")
                return f"({lhs}::numeric / NULLIF({rhs}::numeric, 0))", "number"
            op = _ARITHMETIC[node.op]
            return f"({lhs}::numeric {op} {rhs}::numeric)", "number"
        if isinstance(node, ast.Function):
            name = node.name.lower()
            if name not in _FUNCTIONS or len(node.arguments) != 1:
                raise self.fail(f"unsupported function {node.name[:40]!r}.")
            arg, kind = self.scalar(node.arguments[0])
            if kind != "text":
                raise self.fail(f"{node.name[:40]}() takes text, not {kind}.")
            func = _FUNCTIONS[name]
            return (f"{func}({arg})" if func else arg), "text"
        if isinstance(node, bool):
            return f"{self.param(node)}::boolean", "boolean"
        if isinstance(node, int | float):
            if not math.isfinite(node):
                raise self.fail("numbers must be finite.")
            return f"{self.param(node)}::numeric", "number"
        if isinstance(node, str):
            try:
                clean_text(node, "filter")
            except EdgeError:
                raise self.fail("text contains control characters.") from None
            return f"{self.param(node)}::text", "text"
        if isinstance(node, datetime | date):
            return f"{self.param(self.instant(node))}::timestamptz", "date"
        raise self.fail(f"unsupported expression {type(node).__name__}.")

    def typed(self, node: Any, group: str, where: str) -> str:
        sql, kind = self.scalar(node)
        if kind != group:
            raise self.fail(f"{where} needs {group} values, not {kind}.")
        return sql

    def comparable(self, op: str, *nodes: Any) -> list[str]:
        """SQL of operands that must share one type group (an ordered one for
        <, >, BETWEEN): checked here so PostgreSQL never fails mid-response."""
        nodes = self.dates_for_strings(nodes)
        compiled = [self.scalar(node) for node in nodes]
        kinds = {kind for _, kind in compiled}
        if len(kinds) > 1:
            names = " and ".join(sorted(kinds))
            hint = (
                " (write date-times as TIMESTAMP('...') or DATE('...'))"
                if "date" in kinds
                else ""
            )
            raise self.fail(f"{op} compares {names}: the types differ{hint}.")
        kind = kinds.pop()
        if kind == "geometry":
            raise self.fail(f"{op} cannot compare geometries; use S_INTERSECTS etc.")
        if op not in ("=", "<>", "IN") and kind not in _ORDERED:
            raise self.fail(f"{op} cannot order {kind} values.")
        return [sql for sql, _ in compiled]

    def dates_for_strings(self, nodes: tuple[Any, ...]) -> tuple[Any, ...]:
        """An ISO date string compared with a date property reads as that date:
        `ExpiresDate < '2027-01-01'` means DATE('2027-01-01') (as clients write it)."""
        if not any(
            isinstance(n, ast.Attribute) and _group(self.attribute(n.name)[1]) == "date"
            for n in nodes
        ):
            return nodes
        converted: list[Any] = []
        for node in nodes:
            if isinstance(node, str) and _ISO_DATE.fullmatch(node):
                # Not a calendar date (2027-02-30): compared as text, refused below.
                with contextlib.suppress(ValueError):
                    node = (
                        date.fromisoformat(node)
                        if len(node) == 10
                        else datetime.fromisoformat(node)
                    )
            converted.append(node)
        return tuple(converted)

    def _compile(self, node: Any) -> str:
        if isinstance(node, ast.Include):
            return "FALSE" if node.not_ else "TRUE"
        if isinstance(node, ast.Not):
            return f"NOT ({self.compile(node.sub_node)})"
        if isinstance(node, ast.Combination):
            joiner = " AND " if node.op == ast.CombinationOp.AND else " OR "
            return f"({self.compile(node.lhs)}{joiner}{self.compile(node.rhs)})"
        if isinstance(node, ast.Comparison):
            op = _COMPARISON[node.op]
            lhs, rhs = self.comparable(op, node.lhs, node.rhs)
            return f"({lhs} {op} {rhs})"
        if isinstance(node, ast.Between):
            lhs, low, high = self.comparable("BETWEEN", node.lhs, node.low, node.high)
            neg = "NOT " if node.not_ else ""
            return f"({lhs} {neg}BETWEEN {low} AND {high})"
        if isinstance(node, ast.Like):
            lhs = self.typed(node.lhs, "text", "LIKE")
            if not isinstance(node.pattern, str):
                raise self.fail("LIKE needs a text pattern.")
            op = "ILIKE" if node.nocase else "LIKE"
            neg = "NOT " if node.not_ else ""
            pattern = self.scalar(_like_pattern(node.pattern))[0]
            return f"({lhs} {neg}{op} {pattern} ESCAPE '\\')"
        if isinstance(node, ast.In):
            if not node.sub_nodes or len(node.sub_nodes) > 1000:
                raise self.fail("IN needs 1 to 1000 values.")
            lhs, *items = self.comparable("IN", node.lhs, *node.sub_nodes)
            neg = "NOT " if node.not_ else ""
            return f"({lhs} {neg}IN ({', '.join(items)}))"
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
    filter_crs: Crs = CRS84,
    storage_srid: int = 4326,
) -> tuple[str, list[Any], bool]:
    """SQL over alias `t`, its parameters, and whether it filters on time."""
    compiler = _Compiler(source, storage_srid, filter_crs)
    try:
        sql = compiler.compile(node)
    except RecursionError:
        raise BadParameter("filter", "nested too deeply.") from None
    return sql, compiler.params, compiler.uses_time
