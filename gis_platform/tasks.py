"""Shared by the apps' procrastinate tasks."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import close_old_connections


@contextmanager
def task_connections() -> Iterator[None]:
    """A worker lives for days: drop stale or broken database connections before and
    after each task, as Django does around each request."""
    close_old_connections()
    try:
        yield
    finally:
        close_old_connections()
