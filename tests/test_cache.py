"""The default cache counts atomically (django-ratelimit relies on incr)."""

from __future__ import annotations

import threading

import pytest
from django.core.cache import cache
from django.db import connections


@pytest.mark.django_db(transaction=True)
def test_concurrent_increments_are_all_counted():
    cache.set("hits", 0, 60)
    threads, per_thread = 6, 25
    errors: list[BaseException] = []
    start = threading.Barrier(threads)

    def hammer() -> None:
        try:
            start.wait()
            for _ in range(per_thread):
                cache.incr("hits")
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=hammer) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == []
    assert cache.get("hits") == threads * per_thread


@pytest.mark.django_db(transaction=True)
def test_incr_of_a_missing_or_expired_key_fails_like_django():
    with pytest.raises(ValueError, match="not found"):
        cache.incr("nobody")
    cache.set("gone", 5, -1)
    with pytest.raises(ValueError, match="not found"):
        cache.incr("gone")
    cache.set("seven", 7, 60)
    assert cache.incr("seven", 3) == 10
    assert cache.get("seven") == 10
