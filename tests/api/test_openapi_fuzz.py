"""schemathesis against the three OpenAPI documents (OGC API, JSON API, Open311):
cases generated from each document are sent to the real Django app (WSGI, real
PostGIS); every response must be documented (status, media type, schema) and none
may be a server error or a truncated body. A bounded budget keeps it short."""

from __future__ import annotations

import json
import os
import uuid

import pytest
import schemathesis
from django.core.management import call_command
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from gis_platform.wsgi import application

pytestmark = pytest.mark.django_db(transaction=True)
EXAMPLES_PER_OPERATION = 20
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
DOCS = {
    "ogc": "/ogc/kota-tangerang/api?f=json",
    "json-api": "/api/kota-tangerang/openapi.json",
    "open311": "/open311/v2/openapi.json",
}


def _whole_body(response) -> None:
    """A JSON body must parse: a stream cut short after its first byte does not."""
    media = response.headers.get("Content-Type", [""])
    media = media[0] if isinstance(media, list) else media
    if "json" in media and response.content:
        json.loads(response.content)


def _fuzz(doc: dict) -> int:
    schema = schemathesis.openapi.from_dict(doc)
    calls = 0
    for result in schema.get_all_operations():
        operation = result.ok()

        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def run(case) -> None:
            nonlocal calls
            calls += 1
            response = case.call(app=application)
            case.validate_response(response, checks=CHECKS)
            _whole_body(response)

        run()
    return calls


def _one_report(client, city) -> None:
    """Categories and one citizen report, so Open311 lists real services and
    requests."""
    call_command("seed_report_categories", stdout=open(os.devnull, "w"))  # noqa: SIM115
    response = client.post(
        f"/api/{city.slug}/reports/",
        {
            "client_uuid": str(uuid.uuid4()),
            "category": "jalan-rusak",
            "description": "Lubang di jalan",
            "answers": '{"ukuran": "besar"}',
            "lon": 106.6318,
            "lat": -6.1729,
        },
    )
    assert response.status_code == 201, response.content


@pytest.mark.parametrize("name", list(DOCS))
def test_every_response_matches_its_openapi_document(client, tangerang, name):
    if name == "open311":
        _one_report(client, tangerang)
    response = client.get(DOCS[name])
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.oai.openapi+json")
    assert _fuzz(json.loads(response.content)) > 0


# Write operations that exist on documented paths (OGC API Features Part 4).
WRITES = {
    "ogc": {
        ("/collections/{collectionId}/items", "post"),
        ("/collections/{collectionId}/items/{featureId}", "put"),
        ("/collections/{collectionId}/items/{featureId}", "patch"),
        ("/collections/{collectionId}/items/{featureId}", "delete"),
    }
}


@pytest.mark.parametrize("name", ["ogc", "json-api"])
def test_other_methods_are_405_with_allow(client, tangerang, name):
    doc = json.loads(client.get(DOCS[name]).content)
    base = doc["servers"][0]["url"].removeprefix("http://testserver")
    for path, item in doc["paths"].items():
        url = base + _example_path(path, item["get"]["parameters"])
        assert client.get(url).status_code in (200, 400, 404), url
        for method in ("post", "put", "patch", "delete"):
            response = getattr(client, method)(url)
            if (path, method) in WRITES.get(name, ()):
                # OGC API Features Part 4 (layers/manage/transactions.py): signed-in
                # editors only; anonymous requests are refused before anything.
                assert response.status_code == 401, (method, url)
                continue
            assert response.status_code == 405, (method, url, response.status_code)
            assert "GET" in response["Allow"]


def _example_path(path: str, parameters: list[dict]) -> str:
    examples = {"featureId": "1", "tileMatrix": "0", "tileRow": "0", "tileCol": "0"}
    for p in parameters:
        if p["in"] == "path":
            value = examples.get(p["name"])
            if value is None:
                enum = p["schema"]["enum"]
                value = "sekolah" if "sekolah" in enum else enum[0]
            path = path.replace("{" + p["name"] + "}", value)
    return path
