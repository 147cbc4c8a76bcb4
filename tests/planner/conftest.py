"""The demo city once per test module instead of once per test.

Loading the demo takes seconds; the planner's tests only read it (their own rows go
inside each test's transaction, which pytest-django rolls back). So the demo is
committed once per module, outside the tests' transactions, and the test database
is flushed when the module ends, as a transactional test would leave it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.management import call_command


def _load_demo() -> None:
    with open(os.devnull, "w") as quiet:
        call_command("load_demo", verbosity=0, stdout=quiet)


def _transactional(module: Any) -> bool:
    marks = getattr(module, "pytestmark", [])
    marks = marks if isinstance(marks, list) else [marks]
    return any(m.name == "django_db" and m.kwargs.get("transaction") for m in marks)


@pytest.fixture(scope="module")
def _demo_city(
    request: pytest.FixtureRequest, django_db_setup: None, django_db_blocker: Any
) -> Iterator[None]:
    # A transactional test flushes the database when it ends: it loads its own.
    # (A module-scoped fixture is set up before the test's transaction begins.)
    if _transactional(request.module):
        yield
        return
    with django_db_blocker.unblock():
        _load_demo()
    yield
    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0)


@pytest.fixture
def tangerang(_demo_city: None, db: None) -> Any:
    """Kota Tangerang, from the module's demo when there is one."""
    from tenancy.models import City

    city = City.objects.filter(slug="kota-tangerang").first()
    if city is None:
        _load_demo()
        city = City.objects.get(slug="kota-tangerang")
    return city
