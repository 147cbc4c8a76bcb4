"""Every query parameter and path segment of every engine endpoint (OGC API and JSON
API, read from their OpenAPI documents) with hostile values: NUL and control
characters, Unicode digits, huge numbers, NaN/Infinity, JSON of the wrong type. None
may be a server error, and every JSON body must be whole."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest

from tests.http import body

pytestmark = pytest.mark.django_db(transaction=True)

HOSTILE = [
    "a\x00b",
    "\x01\x1f\x7f",
    "\u00b2",  # superscript two: isdigit() says yes, int() says no
    "\u0661\u0662",  # Arabic-Indic digits
    "\uff11\uff10",  # fullwidth digits
    "1e308",
    "-1e308",
    "9" * 400,
    "NaN",
    "-Infinity",
    "[1]",
    '{"a":1}',
    "",
]
DOCS = ["/ogc/kota-tangerang/api?f=json", "/api/kota-tangerang/openapi.json"]
# Values that get each endpoint past its own required parameters, so the others are
# exercised too.
BASELINE = {
    "near": {"lon": "106.63", "lat": "-6.18", "radius_m": "2000"},
    "nearest": {"lon": "106.63", "lat": "-6.18"},
    "within": {
        "geometry": json.dumps(
            {
                "type": "Polygon",
                "coordinates": [
                    [[106.6, -6.2], [106.7, -6.2], [106.7, -6.1], [106.6, -6.2]]
                ],
            }
        )
    },
}
PATH_EXAMPLES = {
    "collectionId": "sekolah",
    "layer": "sekolah",
    "featureId": "1",
    "tileMatrix": "10",
    "tileRow": "528",
    "tileCol": "827",
    "level": "kecamatan",
}


def _check(client, url: str, params: dict[str, str]) -> None:
    response = client.get(url, params)
    assert response.status_code < 500, (url, params, response.status_code)
    content = body(response)
    if "json" in response.get("Content-Type", "") and content:
        json.loads(content)


def _operations(client) -> list[tuple[str, list[dict]]]:
    out = []
    for doc_url in DOCS:
        doc = json.loads(client.get(doc_url).content)
        base = doc["servers"][0]["url"].removeprefix("http://testserver")
        for path, item in doc["paths"].items():
            out.append((base + path, item["get"]["parameters"]))
    return out


def _fill(path: str, parameters: list[dict], override: tuple[str, str] | None) -> str:
    for p in parameters:
        if p["in"] == "path":
            value = PATH_EXAMPLES[p["name"]]
            if override and override[0] == p["name"]:
                value = quote(override[1], safe="")
            path = path.replace("{" + p["name"] + "}", value)
    return path


def test_hostile_query_values_are_never_a_server_error(client, tangerang):
    for path, parameters in _operations(client):
        url = _fill(path, parameters, None)
        baseline = BASELINE.get(url.rsplit("/", 1)[-1], {})
        names = [p["name"] for p in parameters if p["in"] == "query"]
        # A property filter (?<queryable>=...) and an unknown parameter too.
        for name in [*names, "name"]:
            for value in HOSTILE:
                _check(client, url, {**baseline, name: value})


def test_hostile_path_segments_are_never_a_server_error(client, tangerang):
    for path, parameters in _operations(client):
        for p in parameters:
            if p["in"] != "path":
                continue
            for value in HOSTILE:
                if not value:
                    continue  # another route
                _check(client, _fill(path, parameters, (p["name"], value)), {})


def test_hostile_xyz_tile_paths_are_never_a_server_error(client, tangerang):
    """The plain XYZ tiles and TileJSON (no OpenAPI document of their own)."""
    for value in HOSTILE:
        if not value:
            continue
        v = quote(value, safe="")
        for url in (
            f"/tiles/kota-tangerang/{v}/0/0/0.mvt",
            f"/tiles/kota-tangerang/sekolah/{v}/0/0.mvt",
            f"/tiles/kota-tangerang/sekolah/0/{v}/0.mvt",
            f"/tiles/kota-tangerang/sekolah/0/0/{v}.mvt",
            f"/tiles/kota-tangerang/{v}.json",
        ):
            _check(client, url, {})
        _check(client, "/tiles/kota-tangerang/sekolah/10/827/528.mvt", {"v": value})
