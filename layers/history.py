"""History of features and layers: who changed what, when, and the state of a layer
at any past time (the event tables are in layers/models/history.py).

Writes: every request's writes carry pghistory's context (the user, the URL, set by
its middleware); `change_context` adds a note. Big imports run in `bulk_write`, which
turns the per-feature triggers off for the statements inside it, and record one
`bulk_load` event on the layer (`record_bulk_load`) with the import job, the counts
and who ran it.

Reads: `feature_versions` and `layer_changes` shape the history API;
`as_of_source` gives the engine a source whose relation is the layer's state at a
time, so GeoJSON, OGC items, filters and paging work on it unchanged. A layer's
private attributes are left out of every one of them, as they are from its source.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import pghistory
import pgtrigger
from django.db.models import Q
from django.utils import timezone

from layers.engine.params import BadParameter, parse_datetime
from layers.engine.sources import LayerSource
from layers.models import Feature, FeatureEvent, Layer, LayerEvent
from layers.schema import private_names

# pgtrigger URIs of the feature triggers (names as in layers/models/history.py).
FEATURE_TRIGGERS = tuple(
    f"layers.Feature:{name}"
    for name in ("insert_insert", "update_update", "before_update", "delete_delete")
)
# Labels of the events that end a state: the state before them is what `as_of` shows.
_STATE_ENDING = ("insert", "before", "delete")
MAX_CHANGES = 500


class HistoryGap(Exception):
    """The layer was bulk-loaded after the time asked for: the feature-by-feature
    state before that load is not kept (the load is one event)."""

    def __init__(self, loaded_at: datetime) -> None:
        self.loaded_at = loaded_at
        super().__init__(
            "The layer's data was replaced by a bulk import at "
            f"{loaded_at.isoformat()}; its state before that is not kept feature by "
            "feature. Ask for a time after it."
        )


@contextmanager
def change_context(**metadata: Any) -> Iterator[None]:
    """Attach `metadata` (user, note, import_job, ...) to every history event
    written inside (joins the request's context when there is one)."""
    with pghistory.context(**metadata):
        yield


@contextmanager
def bulk_write() -> Iterator[None]:
    """No per-feature history events for the statements inside (a big import);
    the caller records one `bulk_load` event instead."""
    with pgtrigger.ignore(*FEATURE_TRIGGERS):
        yield


def record_bulk_load(layer: Layer, **counts: Any) -> None:
    """One event on `layer` for a whole import: its counts (and the job and user of
    the surrounding context)."""
    with pghistory.context(bulk_load=counts):
        pghistory.create_event(layer, label="bulk_load")


def _who(context: Any) -> dict[str, Any]:
    metadata = (context.metadata if context is not None else None) or {}
    return {
        "user": metadata.get("user"),
        "note": metadata.get("note"),
        "import_job": metadata.get("import_job"),
        "url": metadata.get("url"),
    }


def _users(ids: set[Any]) -> dict[int, str]:
    from django.contrib.auth import get_user_model

    clean = {int(i) for i in ids if isinstance(i, int | str) and str(i).isdigit()}
    if not clean:
        return {}
    return dict(
        get_user_model()
        .objects.filter(pk__in=clean)
        .values_list("pk", get_user_model().USERNAME_FIELD)
    )


def _public(properties: Any, private: frozenset[str]) -> dict[str, Any]:
    if not isinstance(properties, dict):
        return {}
    return {k: v for k, v in properties.items() if k not in private}


def feature_versions(layer: Layer, feature_id: int) -> list[dict[str, Any]] | None:
    """Every recorded version of a feature of `layer`, oldest first: its geometry
    (GeoJSON), public properties, who, when and the note. None: no such feature
    (now or in its history) in this layer. A feature loaded by a bulk import and
    edited since shows that import's state as its first version ("before")."""
    private = private_names(layer.schema)
    # Feature ids never repeat across layers: the object's own index finds its
    # events; the layer is checked on the rows (a feature never changes layer).
    events = [
        e
        for e in FeatureEvent.objects.filter(pgh_obj_id=feature_id)
        .select_related("pgh_context")
        .order_by("pgh_id")
        if e.layer_id == layer.pk
    ]
    current = Feature.objects.filter(layer_id=layer.pk, pk=feature_id).first()
    if not events and current is None:
        return None
    users = _users({_who(e.pgh_context)["user"] for e in events})
    versions: list[dict[str, Any]] = []
    for event in events:
        # An update writes "before" (the old row) and "update" (the new one): the
        # old row is a version of its own only when nothing recorded it yet.
        if event.pgh_label == "before" and versions:
            continue
        who = _who(event.pgh_context)
        loaded = event.pgh_label == "before"
        versions.append(
            {
                "event": event.pgh_id,
                "change": "loaded" if loaded else event.pgh_label,
                "at": (
                    (loaded and event.updated_at) or event.pgh_created_at
                ).isoformat(),
                "version": event.version,
                "user": users.get(who["user"]) if who["user"] is not None else None,
                "note": who["note"],
                "import_job": who["import_job"],
                "geometry": json.loads(event.geom.geojson),
                "properties": _public(event.properties, private),
            }
        )
    if not events and current is not None:
        versions.append(
            {
                "event": None,
                "change": "loaded",
                "at": current.updated_at.isoformat(),
                "version": current.version,
                "user": None,
                "note": None,
                "import_job": None,
                "geometry": json.loads(current.geom.geojson),
                "properties": _public(current.properties, private),
            }
        )
    return versions


def feature_version(
    layer: Layer, feature_id: int, event_id: int
) -> FeatureEvent | None:
    """One recorded version (an event with a row image) of a feature of `layer`."""
    return (
        FeatureEvent.objects.filter(
            layer_id=layer.pk, pgh_obj_id=feature_id, pgh_id=event_id
        )
        .exclude(pgh_label="delete")
        .first()
    )


# Change-log order: newest first; at one time (one transaction), feature changes
# before the layer's own, then by event id. A cursor is "<µs>.<rank>.<id>".
_RANK = {"feature": 1, "layer": 0}
_CURSOR = re.compile(r"^(\d{1,20})\.([01])\.(\d{1,19})$")


def parse_cursor(raw: str) -> tuple[datetime, int, int]:
    match = _CURSOR.match(raw)
    if not match:
        raise BadParameter("cursor", "use the `next` link of the previous page.")
    micros, rank, pgh_id = (int(g) for g in match.groups())
    seconds, rest = divmod(micros, 1_000_000)
    try:
        at = datetime.fromtimestamp(seconds, tz=UTC).replace(microsecond=rest)
    except (OverflowError, OSError, ValueError):
        raise BadParameter("cursor", "not a cursor of this log.") from None
    return at, rank, pgh_id


def _older(at: datetime, rank: int, pgh_id: int, own_rank: int) -> Q:
    """Rows of a table of `own_rank` that sort after the cursor (older)."""
    same_time = Q(pgh_created_at=at)
    if own_rank < rank:
        tie = same_time
    elif own_rank == rank:
        tie = same_time & Q(pgh_id__lt=pgh_id)
    else:
        tie = Q(pk__in=[])
    return Q(pgh_created_at__lt=at) | tie


def layer_changes(
    layer: Layer, *, before: str | None = None, limit: int = 100
) -> tuple[list[dict[str, Any]], str | None]:
    """The layer's change log, newest first: its own changes (metadata, style,
    bulk loads) and its features' (one entry per feature and change). Returns the
    entries and the cursor of the next page (None: no more)."""
    limit = max(1, min(limit, MAX_CHANGES))
    features = FeatureEvent.objects.filter(layer_id=layer.pk).exclude(
        pgh_label="before"
    )
    own = LayerEvent.objects.filter(pgh_obj_id=layer.pk)
    if before is not None:
        at, rank, pgh_id = parse_cursor(before)
        features = features.filter(_older(at, rank, pgh_id, _RANK["feature"]))
        own = own.filter(_older(at, rank, pgh_id, _RANK["layer"]))
    newest = ("-pgh_created_at", "-pgh_id")
    rows: list[tuple[datetime, str, Any]] = [
        (e.pgh_created_at, "feature", e)
        for e in features.select_related("pgh_context").order_by(*newest)[: limit + 1]
    ]
    rows += [
        (e.pgh_created_at, "layer", e)
        for e in own.select_related("pgh_context").order_by(*newest)[: limit + 1]
    ]
    rows.sort(key=lambda r: (r[0], _RANK[r[1]], r[2].pgh_id), reverse=True)
    more = len(rows) > limit
    rows = rows[:limit]
    users = _users({_who(r[2].pgh_context)["user"] for r in rows})
    entries = []
    for at, kind, event in rows:
        who = _who(event.pgh_context)
        entry: dict[str, Any] = {
            "at": at.isoformat(),
            "kind": kind,
            "change": event.pgh_label,
            "user": users.get(who["user"]) if who["user"] is not None else None,
            "note": who["note"],
            "import_job": who["import_job"],
        }
        if kind == "feature":
            entry["feature"] = event.pgh_obj_id
            entry["version"] = event.version
        elif event.pgh_label == "bulk_load":
            metadata = event.pgh_context.metadata if event.pgh_context else {}
            entry["counts"] = metadata.get("bulk_load")
        entries.append(entry)
    cursor = None
    if more and rows:
        at, kind, event = rows[-1]
        micros = int(at.timestamp()) * 1_000_000 + at.microsecond
        cursor = f"{micros}.{_RANK[kind]}.{event.pgh_id}"
    return entries, cursor


def parse_as_of(raw: str) -> datetime:
    """An RFC 3339 instant (a date means its start), refused in the future."""
    parsed = parse_datetime(raw, "as_of")
    if parsed is None or parsed[0] is None:
        raise BadParameter("as_of", "expected an RFC 3339 date-time.")
    when = parsed[0]
    if when > timezone.now():
        raise BadParameter("as_of", "is in the future.")
    return when


def as_of_source(source: LayerSource, when: datetime) -> LayerSource:
    """`source` (a feature layer's) as it was at `when`: the current rows unchanged
    since then, and for each row changed since, the image before its first later
    change (an "insert" after `when` means it did not exist yet). Raises
    HistoryGap when a bulk load after `when` replaced the rows without per-feature
    events, BadParameter for sources that keep no history."""
    layer = source.origin
    if not isinstance(layer, Layer):
        raise BadParameter("as_of", "only a feature layer keeps its history.")
    load = (
        LayerEvent.objects.filter(
            pgh_obj_id=layer.pk, pgh_label="bulk_load", pgh_created_at__gt=when
        )
        .order_by("pgh_id")
        .values_list("pgh_created_at", flat=True)
        .first()
    )
    if load is not None:
        raise HistoryGap(load)
    features = Feature._meta.db_table
    events = FeatureEvent._meta.db_table
    columns = (
        "id, geom, properties, external_id, valid_from, valid_to, created_at, "
        "updated_at, version, city_id, layer_id"
    )
    layer_id = int(layer.pk)
    # A time literal of our own making (parsed, then written by isoformat) and an
    # integer id: no request text reaches the SQL. The engine adds its own
    # parameters (tenant, layer, filters) around this relation.
    at_sql = f"'{when.astimezone(UTC).isoformat()}'::timestamptz"
    relation = (
        f"(SELECT {columns} FROM {features} f WHERE f.layer_id = {layer_id} "  # noqa: S608 - see above
        f"AND NOT EXISTS (SELECT 1 FROM {events} e WHERE e.layer_id = {layer_id} "
        f"AND e.pgh_obj_id = f.id AND e.pgh_created_at > {at_sql}) "
        f"UNION ALL SELECT {columns} FROM (SELECT DISTINCT ON (e.pgh_obj_id) "
        f"e.pgh_label, e.{columns.replace(', ', ', e.')} FROM {events} e "
        f"WHERE e.layer_id = {layer_id} AND e.pgh_created_at > {at_sql} "
        f"AND e.pgh_label IN {tuple(_STATE_ENDING)!r} "
        "ORDER BY e.pgh_obj_id, e.pgh_id) b WHERE b.pgh_label <> 'insert')"
    )
    return dataclasses.replace(
        source,
        relation=relation,
        # The past does not change, but nothing about it is cached.
        versioned=False,
        version=0,
        cache_scope=f"{source.cache_id}-as-of-{int(when.timestamp())}",
    )
