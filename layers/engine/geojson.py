"""GeoJSON FeatureCollections built inside PostGIS and streamed.

PostgreSQL serialises each feature (ST_AsGeoJSON + json_build_object); rows come over
in batches, and each batch leaves as one joined string. Python never parses a feature.
A page of at most SERVER_CURSOR_ABOVE rows is one plain statement (its size is bounded
by the limit); larger or unbounded responses come from a server-side (named) cursor
so memory stays flat however large the response.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any

from django.db import connection, transaction

from layers.engine.sources import LayerSource
from layers.engine.sql import Query, feature_rows_sql

FETCH_ROWS = 1000
# Pages up to this many rows (the default page size) skip the named cursor and its
# transaction (BEGIN, DECLARE, FETCH..., CLOSE, COMMIT: five round trips instead of
# one). Larger pages keep the cursor: flat memory, and no parallel plan whose worker
# start-up costs more than it saves on a busy server.
SERVER_CURSOR_ABOVE = 1000


def uses_server_cursor(query: Query) -> bool:
    """Whether a response is streamed from a named cursor (the bench asks too)."""
    return query.limit is None or query.limit > SERVER_CURSOR_ABOVE


@dataclass
class Page:
    """What the stream saw, for members written after the features (links...)."""

    returned: int = 0
    first_id: int | None = None
    last_id: int | None = None
    # One more row than `limit` existed in the paging direction.
    more: bool = False


def stream_feature_collection(
    source: LayerSource,
    query: Query,
    *,
    head: str = "",
    tail: Callable[[Page], str] | None = None,
) -> Iterator[str]:
    """Yield a FeatureCollection as text.

    `head` is pre-serialised JSON members placed before `features` (e.g. `"a":1,`);
    `tail(page)` returns members placed after it, once the page is known. JSON member
    order carries no meaning, so links can follow the features they describe.

    The database answers before this returns: a page is fetched whole (it is bounded
    by its limit), and a streamed response first runs its statement for one row. An
    error (a filter PostgreSQL refuses, a CRS it cannot reach) therefore raises here,
    while the view can still answer 4xx/5xx, instead of cutting a 200 short after
    its first byte. The named cursor of a streamed response opens only when the
    response is read, so a response never sent holds no transaction."""
    sql, params = feature_rows_sql(source, query, extra=1)
    if uses_server_cursor(query):
        probe_sql, probe_params = feature_rows_sql(source, replace(query, limit=1))
        with connection.cursor() as cursor:
            cursor.execute(probe_sql, probe_params)
            cursor.fetchall()
        return _stream(query, head, tail, _cursor_batches(sql, params))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return _stream(query, head, tail, iter([rows]))


def _cursor_batches(sql: str, params: list[Any]) -> Iterator[list]:
    # A named cursor needs a transaction; it is read-only and ends with the stream.
    with transaction.atomic(), connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while batch := cursor.fetchmany(FETCH_ROWS):
            yield batch


def _stream(
    query: Query,
    head: str,
    tail: Callable[[Page], str] | None,
    row_batches: Iterator[list],
) -> Iterator[str]:
    limit = query.limit
    page = Page()
    yield '{"type":"FeatureCollection",' + head + '"features":['
    if query.before_id is not None and limit is not None:
        # Backwards pages come in id order; the extra row is the first one.
        all_rows = [row for batch in row_batches for row in batch]
        if len(all_rows) > limit:
            page.more = True
            all_rows = all_rows[1:]
        row_batches = iter([all_rows])
    for rows in row_batches:
        for start in range(0, len(rows), FETCH_ROWS):
            batch = rows[start : start + FETCH_ROWS]
            if limit is not None and page.returned + len(batch) > limit:
                batch = batch[: limit - page.returned]
                page.more = True
            if batch:
                if page.first_id is None:
                    page.first_id = batch[0][0]
                page.last_id = batch[-1][0]
                text = ",".join([row[1] for row in batch])
                yield text if page.returned == 0 else "," + text
                page.returned += len(batch)
            if page.more:
                break
        if page.more:
            # Leaving the loop closes the cursor generator (and its transaction).
            break
    if hasattr(row_batches, "close"):
        row_batches.close()
    members = tail(page) if tail else ""
    yield "]" + ("," + members if members else "") + "}"
