"""Random $filter/$orderby/$expand values built from the OData vocabulary (seeded),
against a city with stations and observations:
every answer is a 200 or a JSON 400, never a 500, and the connection stays usable."""

from __future__ import annotations

import os
import random

import pytest
from django.db import connection

from tests.observations.sta_world import build

pytestmark = pytest.mark.django_db

WORDS = [
    "result",
    "phenomenonTime",
    "resultTime",
    "id",
    "@iot.id",
    "name",
    "description",
    "properties/kind",
    "properties/x/y",
    "Datastream/id",
    "Datastream/Thing/name",
    "Datastream/unitOfMeasurement/symbol",
    "Datastreams/name",
    "Locations/location",
    "location",
    "feature",
    "FeatureOfInterest/feature",
    "Thing",
    "Datastreams",
    "eq",
    "ne",
    "gt",
    "ge",
    "lt",
    "le",
    "and",
    "or",
    "not",
    "add",
    "sub",
    "mul",
    "div",
    "mod",
    "(",
    ")",
    ",",
    "/",
    "-",
    "'",
    "''",
    "'abc'",
    "'PM2.5'",
    "0",
    "1",
    "-1",
    "1.5",
    "1e308",
    "9223372036854775807",
    "9223372036854775808",
    "1e-400",
    "true",
    "false",
    "null",
    "2026-01-01T00:00:00Z",
    "2026-01-01T00:00:00+07:00",
    "0001-01-01T00:00:00Z",
    "9999-12-31T23:59:59-14:00",
    "2026-01-01",
    "geography'POINT(106.6 -6.2)'",
    "geography'POINT(181 0)'",
    "geography'POLYGON((0 0, 1 0, 1 1, 0 0))'",
    "geography'LINESTRING(0 0, 1 1)'",
    "substringof(",
    "startswith(",
    "endswith(",
    "length(",
    "indexof(",
    "substring(",
    "tolower(",
    "toupper(",
    "trim(",
    "concat(",
    "year(",
    "month(",
    "day(",
    "hour(",
    "date(",
    "now()",
    "round(",
    "floor(",
    "ceiling(",
    "geo.distance(",
    "geo.intersects(",
    "geo.length(",
    "st_within(",
    "st_intersects(",
    "st_contains(",
    "\u00e9",
    "\\",
    "%",
    "%s",
    "%(city)s",
    ";",
    "$",
    "{t}",
    "{layers}",
]
SETS = [
    "Things",
    "Datastreams",
    "Observations",
    "Locations",
    "FeaturesOfInterest",
    "Sensors",
    "ObservedProperties",
    "HistoricalLocations",
]


VALUES = [
    "result",
    "id",
    "name",
    "phenomenonTime",
    "properties/kind",
    "Datastream/id",
    "Datastream/Thing/name",
    "Datastreams/name",
    "length(name)",
    "year(phenomenonTime)",
    "result add 1e308 mul 1e308",
    "result div 0",
    "result mod 0",
    "-result",
    "round(result)",
    "substring(name, 1e18, -5)",
    "indexof(name, 'a')",
    "geo.distance(location, geography'POINT(106.6 -6.2)')",
    "now()",
    "date(phenomenonTime)",
    "tolower(concat(name, 'x'))",
    "'abc'",
    "5",
    "-2.5",
    "1e308",
    "9223372036854775807",
    "2026-01-01T00:00:00+07:00",
    "null",
    "true",
]
OPS = ["eq", "ne", "gt", "ge", "lt", "le"]


def phrase(rng: random.Random) -> str:
    """A random run of tokens: mostly malformed."""
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 9)))


def condition(rng: random.Random, depth: int = 0) -> str:
    """A well-formed expression whose parts may not fit (types, properties)."""
    roll = rng.random()
    if depth < 3 and roll < 0.3:
        joiner = rng.choice(["and", "or"])
        return f"({condition(rng, depth + 1)}) {joiner} ({condition(rng, depth + 1)})"
    if depth < 3 and roll < 0.4:
        return f"not ({condition(rng, depth + 1)})"
    if roll < 0.5:
        fn = rng.choice(["startswith", "endswith", "substringof", "st_within"])
        return f"{fn}({rng.choice(VALUES)}, {rng.choice(VALUES)})"
    return f"{rng.choice(VALUES)} {rng.choice(OPS)} {rng.choice(VALUES)}"


def test_random_options_never_fail_the_server(client):
    build()  # real rows: runtime errors (overflow, casts) need values to meet
    # STA_FUZZ_SEED / STA_FUZZ_N explore further by hand; the suite runs one seed.
    seed = int(os.environ.get("STA_FUZZ_SEED", "13"))
    rng = random.Random(seed)  # noqa: S311 - reproducible fuzzing, not security
    statuses: dict[int, int] = {}
    for n in range(int(os.environ.get("STA_FUZZ_N", "400"))):
        entity = rng.choice(SETS)
        option = rng.choice(["$filter", "$filter", "$filter", "$orderby", "$expand"])
        value = phrase(rng) if n % 2 else condition(rng)
        if option == "$orderby":
            value = rng.choice(VALUES) + rng.choice(["", " desc", " asc"])
        if option == "$expand":
            nav = rng.choice(["Datastreams", "Thing", "Observations"])
            value = f"{nav}($filter={value})"
        answer = client.get(f"/sta/kota-sta/v1.1/{entity}", {option: value})
        statuses[answer.status_code] = statuses.get(answer.status_code, 0) + 1
        with connection.cursor() as cursor:  # not left in a failed transaction
            cursor.execute("SELECT 1")
        assert answer.status_code in (200, 400), (
            n,
            entity,
            option,
            value,
            answer.content,
        )
        assert answer["Content-Type"] == "application/json"
        if answer.status_code == 400:
            # Refused by the compiler with a reason, not by PostgreSQL at run time.
            assert "could not be evaluated" not in answer.json()["detail"], value
    # Some random phrases are valid filters: both paths were exercised.
    assert statuses.get(200, 0) > 30
    assert statuses.get(400, 0) > 100
    assert client.get("/sta/kota-sta/v1.1/Things").status_code == 200
