"""The reading side of an import: read-ahead thread, validity flags."""

from __future__ import annotations

import threading

import pyarrow as pa
import pytest
import shapely

from importers.errors import ImportFailed
from importers.reader import _known_valid, prefetch


def test_prefetch_keeps_order_and_passes_errors_on():
    assert list(prefetch(iter(range(50)), depth=2)) == list(range(50))

    def broken():
        yield 1
        raise ImportFailed("bad batch")

    items = prefetch(broken())
    assert next(items) == 1
    with pytest.raises(ImportFailed, match="bad batch"):
        next(items)


def test_prefetch_stops_its_thread_when_the_consumer_stops():
    produced = []

    def endless():
        n = 0
        while True:
            produced.append(n)
            yield n
            n += 1

    before = threading.active_count()
    items = prefetch(endless(), depth=2)
    assert next(items) == 0
    items.close()
    assert threading.active_count() == before
    # Never more than `depth` ahead of what was taken, plus the one in hand.
    assert len(produced) <= 4


def test_known_valid_flags_only_what_geos_accepts():
    bowtie = shapely.Polygon([(0, 0), (1, 1), (1, 0), (0, 1)])
    square = shapely.box(0, 0, 1, 1)
    wkb = pa.array(
        [shapely.to_wkb(square), shapely.to_wkb(bowtie), b"\x01\x02", None],
        type=pa.binary(),
    )
    # Valid, invalid, unreadable, missing: only the first is trusted.
    assert _known_valid(wkb).to_pylist() == [True, None, None, None]
