"""Request parameters -> engine Query, shared by the JSON API and OGC API Features.

Every value is validated here and becomes either a number, a datetime or a bound
parameter; BadParameter carries a message for the 400 response.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, time
from typing import Any

from gis_platform import edges
from layers.engine.cql import compile_filter, parse_filter
from layers.engine.crs import CRS84, bbox_to_xy, check_xy, parse_crs
from layers.engine.params import (
    BadParameter,
    parse_bbox,
    parse_cursor,
    parse_datetime,
    parse_int,
    parse_limit,
    to_utc,
)
from layers.engine.sources import LayerSource
from layers.engine.sql import Query

# Parameters with a meaning of their own; any other name may be a queryable.
RESERVED = {
    "f",
    "bbox",
    "bbox-crs",
    "datetime",
    "limit",
    "cursor",
    "crs",
    "filter",
    "filter-lang",
    "filter-crs",
    "precision",
    "properties",
    # The state of a layer at a past time (layers/history.py).
    "as_of",
}
MAX_PARAM_LENGTH = 2000


def query_from_params(
    source: LayerSource, params: Mapping[str, str], *, ogc: bool = False
) -> Query:
    for name, value in params.items():
        if len(value) > MAX_PARAM_LENGTH and name != "filter":
            raise BadParameter(name, "too long.")
        if "\x00" in value:
            raise BadParameter(name, "contains a NUL character.")
    crs = parse_crs(params.get("crs"), "crs")
    bbox_crs = parse_crs(params.get("bbox-crs"), "bbox-crs")
    bbox = parse_bbox(params.get("bbox"))
    if bbox is not None:
        bbox = bbox_to_xy(bbox, bbox_crs)
        # Before ST_Transform/ST_MakeEnvelope: outside the CRS's range PROJ fails
        # mid-query (a truncated response) and GEOS may abort the process.
        check_xy(bbox[0], bbox[1], bbox_crs, "bbox")
        check_xy(bbox[2], bbox[3], bbox_crs, "bbox")
    cursor = parse_cursor(params.get("cursor"))
    query = Query(
        bbox=bbox,
        bbox_srid=bbox_crs.srid,
        interval=parse_datetime(params.get("datetime")),
        limit=parse_limit(params.get("limit")),
        after_id=cursor[1] if cursor and cursor[0] == "a" else None,
        before_id=cursor[1] if cursor and cursor[0] == "b" else None,
        crs=crs,
        precision=parse_int(params.get("precision"), "precision", maximum=15),
    )
    raw_filter = params.get("filter")
    if raw_filter:
        filter_crs = parse_crs(params.get("filter-crs"), "filter-crs")
        node = parse_filter(raw_filter, params.get("filter-lang"))
        sql, filter_params, uses_time = compile_filter(
            node,
            source,
            filter_crs=filter_crs,
        )
        query.filters.append((sql, filter_params))
        if uses_time and query.interval is None:
            # The filter asks about time itself: do not hide expired rows.
            query.interval = (None, None)
    elif params.get("filter-lang") or params.get("filter-crs"):
        parse_crs(params.get("filter-crs"), "filter-crs")
    for name, raw in params.items():
        if name in RESERVED or name not in source.queryables:
            continue
        queryable = source.queryables[name]
        query.filters.append(
            (f"{queryable.sql} = %s", [typed_value(name, raw, queryable.type)])
        )
    return query


def typed_value(name: str, raw: str, kind: str) -> Any:
    """A property filter's value converted to the queryable's type."""
    try:
        if kind == "integer":
            return edges.parse_int(raw, name)
        if kind == "number":
            return edges.parse_float(raw, name)
        if kind == "boolean":
            if raw.lower() not in ("true", "false", "1", "0"):
                raise ValueError(raw)
            return raw.lower() in ("true", "1")
        if kind == "date":
            if len(raw) == 10:
                return datetime.combine(date.fromisoformat(raw), time.min, tzinfo=UTC)
            return to_utc(datetime.fromisoformat(raw.replace("Z", "+00:00")))
    except (ValueError, OverflowError):
        raise BadParameter(name, f"expected a {kind} value.") from None
    return raw


__all__ = ["CRS84", "RESERVED", "query_from_params", "typed_value"]
