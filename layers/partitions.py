"""Per-layer partitions of `layers_feature` (LIST on layer_id, see migration 0006).

Small layers share the DEFAULT partition. A big load gets a partition of its own:
`new_table` makes a bare table shaped like `layers_feature`, the caller fills it,
then `attach` builds every index once over the loaded rows, swaps out the layer's
previous rows and attaches the table, all inside the caller's transaction. Building
an index after a load is several times cheaper than maintaining it row by row, and
nothing is visible to readers before the transaction commits.

The index and key definitions are read from the parent table, so they follow the
model's migrations without being repeated here.
"""

from __future__ import annotations

import re
import secrets
import time
from typing import Any

from django.db import OperationalError, transaction

from layers.models import Feature, Layer

PARENT = Feature._meta.db_table
DEFAULT = f"{PARENT}_default"
# How long one attempt waits for a table lock, and how many attempts: a swap needs a
# brief exclusive lock, and a long-running reader (a big export) must not make every
# other reader queue behind the waiting swap for long. Longer than deadlock_timeout
# (1 s), after which PostgreSQL cancels an autovacuum holding the lock (it runs on
# partitions after big loads); with a shorter wait the swap would keep giving up.
LOCK_TIMEOUT_MS = 2000
LOCK_ATTEMPTS = 20

_INDEX_HEAD = re.compile(r"^CREATE (UNIQUE )?INDEX \S+ ON ONLY \S+ ")


class PartitionBusy(Exception):
    """The layer's tables stayed locked by other sessions; nothing was changed."""


def _prefix(layer_id: int) -> str:
    return f"{PARENT}_l{int(layer_id)}_"


def layer_partitions(cursor: Any, layer_id: int) -> list[str]:
    """Names of the partitions holding only this layer (at most one, normally)."""
    cursor.execute(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "WHERE i.inhparent = %s::regclass AND c.relname LIKE %s ORDER BY 1",
        [PARENT, _prefix(layer_id).replace("_", r"\_") + "%"],
    )
    return [name for (name,) in cursor.fetchall()]


def new_table(cursor: Any, layer_id: int) -> str:
    """A bare table (no index, no key) with the columns and checks of the parent,
    and a check that it holds only this layer: checked row by row as it is filled,
    it spares ATTACH a scan to prove the partition constraint."""
    name = _prefix(layer_id) + secrets.token_hex(4)
    cursor.execute(
        f"CREATE TABLE {name} (LIKE {PARENT} INCLUDING DEFAULTS INCLUDING CONSTRAINTS, "
        f"CONSTRAINT {name}_layer CHECK (layer_id = {int(layer_id)}))"
    )
    return name


def id_sequence(cursor: Any) -> str:
    cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [PARENT])
    return str(cursor.fetchone()[0])


def _index_statements(cursor: Any, table: str) -> list[str]:
    """The parent's indexes and unique keys, rewritten for `table`, so that ATTACH
    adopts them instead of building its own."""
    cursor.execute(
        "SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i "
        "WHERE i.indrelid = %s::regclass AND NOT EXISTS "
        "(SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid) ORDER BY 1",
        [PARENT],
    )
    statements = [
        _INDEX_HEAD.sub(lambda m: f"CREATE {m.group(1) or ''}INDEX ON {table} ", d)
        for (d,) in cursor.fetchall()
    ]
    cursor.execute(
        "SELECT pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype IN ('p', 'u') ORDER BY 1",
        [PARENT],
    )
    statements += [f"ALTER TABLE {table} ADD {d}" for (d,) in cursor.fetchall()]
    return statements


def _lock(cursor: Any, *tables: str) -> None:
    """ACCESS EXCLUSIVE on `tables` (ONLY: an autovacuum on another layer's
    partition must not hold the swap up), in short attempts (LOCK_TIMEOUT_MS)."""
    names = ", ".join(f"ONLY {t}" for t in tables)
    for attempt in range(LOCK_ATTEMPTS):
        try:
            with transaction.atomic():
                cursor.execute(f"SET LOCAL lock_timeout = {LOCK_TIMEOUT_MS}")
                cursor.execute(f"LOCK TABLE {names} IN ACCESS EXCLUSIVE MODE")
            cursor.execute("SET LOCAL lock_timeout = 0")
            return
        except OperationalError as exc:
            if getattr(exc.__cause__, "sqlstate", None) != "55P03":
                raise
            time.sleep(min(0.05 * 2**attempt, 1.0))
    raise PartitionBusy(
        "The layer's data stayed in use by other requests; try again in a minute."
    )


def attach(cursor: Any, table: str, layer_id: int) -> int:
    """Index `table`, replace the layer's current features with it and attach it as
    the layer's partition. Returns how many features it replaced."""
    for statement in _index_statements(cursor, table):
        cursor.execute(statement)
    cursor.execute(f"ANALYZE {table}")
    old = layer_partitions(cursor, layer_id)
    # Counted and deleted before the exclusive lock, so readers wait only for the
    # swap itself. (This import holds the layer's row lock: no other import runs.)
    replaced = 0
    for name in old:
        cursor.execute(f"SELECT count(*) FROM {name}")  # noqa: S608 - our name
        replaced += cursor.fetchone()[0]
    delete = f"DELETE FROM {DEFAULT} WHERE layer_id = %s"  # noqa: S608 - name from _meta
    if not old:
        cursor.execute(delete, [layer_id])
        replaced = cursor.rowcount
    # Detaching takes the parent, the partition and the default partition; attaching
    # takes the default partition, scanned to prove it holds no row of this layer.
    _lock(cursor, *([PARENT, *old] if old else []), DEFAULT)
    if old:
        for name in old:
            cursor.execute(f"ALTER TABLE {PARENT} DETACH PARTITION {name}")
            cursor.execute(f"DROP TABLE {name}")
    else:
        cursor.execute(delete, [layer_id])  # rows other writers added meanwhile
        replaced += cursor.rowcount
    cursor.execute(
        f"ALTER TABLE {PARENT} ATTACH PARTITION {table} FOR VALUES IN ({int(layer_id)})"
    )
    # Attaching fires no trigger: bump the layer's data version like any write does.
    cursor.execute(
        f"UPDATE {Layer._meta.db_table} SET data_version = data_version + 1, "  # noqa: S608 - name from _meta
        "data_updated_at = now() WHERE id = %s",
        [layer_id],
    )
    return replaced


def drop_layer_partitions(cursor: Any, layer_id: int) -> None:
    """Drop a deleted layer's own partition (cheaper than deleting its rows)."""
    old = layer_partitions(cursor, layer_id)
    if not old:
        return
    _lock(cursor, PARENT, *old, DEFAULT)
    for name in old:
        cursor.execute(f"ALTER TABLE {PARENT} DETACH PARTITION {name}")
        cursor.execute(f"DROP TABLE {name}")
