"""GeoJSON FeatureCollections built inside PostGIS and streamed.

PostgreSQL serialises each feature (ST_AsGeoJSON + json_build_object); rows come over
in batches, and each batch leaves as one joined string. Python never parses a feature.
A page of at most SERVER_CURSOR_ABOVE rows is one plain statement (its size is bounded
by the limit); larger or unbounded responses come from a server-side (named) cursor
so memory stays flat however large the response.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
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
) -> FeatureStream:
    """A FeatureCollection as text, its statement already run.

    `head` is pre-serialised JSON members placed before `features` (e.g. `"a":1,`);
    `tail(page)` returns members placed after it, once the page is known. JSON member
    order carries no meaning, so links can follow the features they describe.

    The statement runs and its first rows are fetched here, before the caller builds
    a response: a database error (a filter PostgreSQL refuses, a CRS it cannot reach)
    raises now, as a 4xx/5xx, instead of cutting a 200 short after its first byte.
    Iterate the result (or close it) so its cursor and transaction end."""
    return FeatureStream(source, query, head, tail)


class FeatureStream:
    """The iterator behind stream_feature_collection; `close()` releases the cursor
    (StreamingHttpResponse calls it when the response ends, even unread)."""

    def __init__(
        self,
        source: LayerSource,
        query: Query,
        head: str,
        tail: Callable[[Page], str] | None,
    ) -> None:
        self._resources = ExitStack()
        try:
            self._open(source, query)
        except BaseException as exc:
            self._release(exc)
            raise
        self._parts = self._generate(query, head, tail)

    def _open(self, source: LayerSource, query: Query) -> None:
        sql, params = feature_rows_sql(source, query, extra=1)
        if uses_server_cursor(query):
            # A named cursor needs a transaction; it is read-only and ends with the
            # stream.
            self._resources.enter_context(transaction.atomic())
            make_cursor: Callable[[], Any] = connection.chunked_cursor
        else:
            make_cursor = connection.cursor
        self._cursor = self._resources.enter_context(make_cursor())
        self._cursor.execute(sql, params)
        self._first = self._cursor.fetchmany(FETCH_ROWS)

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        try:
            return next(self._parts)
        except StopIteration:
            self.close()
            raise
        except BaseException as exc:
            self._parts.close()
            self._release(exc)
            raise

    def close(self) -> None:
        self._parts.close()
        self._resources.close()

    def _release(self, exc: BaseException) -> None:
        # With the exception, so transaction.atomic rolls back instead of
        # committing an aborted transaction.
        self._resources.__exit__(type(exc), exc, exc.__traceback__)

    def _generate(
        self, query: Query, head: str, tail: Callable[[Page], str] | None
    ) -> Iterator[str]:
        limit = query.limit
        page = Page()
        cursor, rows = self._cursor, self._first
        yield '{"type":"FeatureCollection",' + head + '"features":['
        backwards = query.before_id is not None
        if backwards and limit is not None:
            # Backwards pages come in id order; the extra row is the first one.
            all_rows = rows
            while batch := cursor.fetchmany(FETCH_ROWS):
                all_rows.extend(batch)
            if len(all_rows) > limit:
                page.more = True
                all_rows = all_rows[1:]
            batches: Iterator[list] = iter([all_rows])
        else:
            batches = _batches(rows, cursor)
        for batch in batches:
            if limit is not None and page.returned + len(batch) > limit:
                batch = batch[: limit - page.returned]
                page.more = True
            if not batch:
                continue
            if page.first_id is None:
                page.first_id = batch[0][0]
            page.last_id = batch[-1][0]
            text = ",".join([row[1] for row in batch])
            yield text if page.returned == 0 else "," + text
            page.returned += len(batch)
            if page.more:
                break
        self._resources.close()
        members = tail(page) if tail else ""
        yield "]" + ("," + members if members else "") + "}"


def _batches(first: list, cursor: Any) -> Iterator[list]:
    batch = first
    while batch:
        yield batch
        batch = cursor.fetchmany(FETCH_ROWS)
