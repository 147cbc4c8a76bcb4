"""An Open311 GeoReport v2 client's flow, in JSON and in XML."""

from __future__ import annotations

from xml.etree import ElementTree as ET

import pytest
from django.test import Client

from reports.models import Report
from reports.services import create_application
from tests.reports.conftest import INSIDE

pytestmark = pytest.mark.django_db
BASE = "/open311/v2"


def parse_xml(content: bytes) -> ET.Element:
    # The platform's own output under test, not untrusted input.
    return ET.fromstring(content)  # noqa: S314


@pytest.fixture
def api_key(city) -> str:
    return create_application(city=city, name="Aplikasi Uji")


def post_request(fmt: str, city, api_key: str, **extra):
    data = {
        "api_key": api_key,
        "jurisdiction_id": city.slug,
        "service_code": "jalan-rusak",
        "lat": INSIDE[1],
        "long": INSIDE[0],
        "description": "Lubang <b>besar</b>",
        "email": "warga@example.org",
        "first_name": "Siti",
        "phone": "08123456789",
        "attribute[ukuran]": "besar",
    }
    data.update(extra)
    return Client().post(f"{BASE}/requests.{fmt}", data)


def test_json_client_flow(city, api_key):
    c = Client()
    discovery = c.get(f"{BASE}/discovery.json").json()
    assert discovery["endpoints"][0]["specification"].endswith("GeoReport_v2")
    services = c.get(f"{BASE}/services.json", {"jurisdiction_id": city.slug}).json()
    codes = {s["service_code"]: s for s in services}
    assert codes["jalan-rusak"]["metadata"] is True
    assert codes["sampah"]["metadata"] is False
    definition = c.get(
        f"{BASE}/services/jalan-rusak.json", {"jurisdiction_id": city.slug}
    ).json()
    attribute = definition["attributes"][0]
    assert attribute["code"] == "ukuran"
    assert attribute["required"] is True
    assert {v["key"] for v in attribute["values"]} == {"kecil", "sedang", "besar"}

    created = post_request("json", city, api_key)
    assert created.status_code == 200, created.content
    request_id = created.json()[0]["service_request_id"]
    token = created.json()[0]["token"]
    by_token = c.get(f"{BASE}/tokens/{token}.json", {"jurisdiction_id": city.slug})
    assert by_token.json()[0]["service_request_id"] == request_id

    one = c.get(f"{BASE}/requests/{request_id}.json", {"jurisdiction_id": city.slug})
    row = one.json()[0]
    assert row["status"] == "open"
    assert row["service_code"] == "jalan-rusak"
    assert row["description"] == "Lubang <b>besar</b>"
    assert row["lat"] == pytest.approx(INSIDE[1])
    assert row["expected_datetime"].endswith("+07:00")
    assert row["agency_responsible"] == "PUPR"
    assert "warga@example.org" not in one.content.decode()
    assert "08123456789" not in one.content.decode()

    listing = c.get(
        f"{BASE}/requests.json",
        {"jurisdiction_id": city.slug, "status": "open", "service_code": "jalan-rusak"},
    ).json()
    assert [r["service_request_id"] for r in listing] == [request_id]
    closed = c.get(
        f"{BASE}/requests.json", {"jurisdiction_id": city.slug, "status": "closed"}
    ).json()
    assert closed == []
    Report.objects.filter(ticket=request_id).update(status="resolved")
    closed = c.get(
        f"{BASE}/requests.json", {"jurisdiction_id": city.slug, "status": "closed"}
    ).json()
    assert closed[0]["status"] == "closed"
    assert closed[0]["status_notes"].startswith("Resolved") or closed[0][
        "status_notes"
    ].startswith("Selesai")
    later = c.get(
        f"{BASE}/requests.json",
        {"jurisdiction_id": city.slug, "start_date": "2999-01-01T00:00:00Z"},
    ).json()
    assert later == []
    ids = c.get(
        f"{BASE}/requests.json",
        {"jurisdiction_id": city.slug, "service_request_id": f"{request_id},ZZZZ-ZZZZ"},
    ).json()
    assert len(ids) == 1


def test_xml_client_flow(city, api_key):
    c = Client()
    services = parse_xml(
        c.get(f"{BASE}/services.xml", {"jurisdiction_id": city.slug}).content
    )
    assert services.tag == "services"
    assert "jalan-rusak" in [s.findtext("service_code") for s in services]
    definition = parse_xml(
        c.get(
            f"{BASE}/services/pohon-tumbang.xml", {"jurisdiction_id": city.slug}
        ).content
    )
    values = definition.findall("attributes/attribute/values/value/key")
    assert {v.text for v in values} == {"ya", "tidak"}

    created = post_request(
        "xml",
        city,
        api_key,
        service_code="pohon-tumbang",
        **{"attribute[menghalangi_jalan]": "ya", "attribute[ukuran]": "x"},
    )
    root = parse_xml(created.content)
    request_id = root.findtext("request/service_request_id")
    assert request_id
    one = parse_xml(
        c.get(
            f"{BASE}/requests/{request_id}.xml", {"jurisdiction_id": city.slug}
        ).content
    )
    assert one.tag == "service_requests"
    assert one.findtext("request/status") == "open"
    assert one.findtext("request/description") == "Lubang <b>besar</b>"
    assert one.findtext("request/long")


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_errors_use_the_spec_format(city, api_key, fmt):
    c = Client()
    cases = [
        (c.get(f"{BASE}/services.{fmt}"), 400),
        (c.get(f"{BASE}/services.{fmt}", {"jurisdiction_id": "atlantis"}), 404),
        (post_request(fmt, city, "wrong-key"), 403),
        (post_request(fmt, city, api_key, service_code="nope"), 404),
        (post_request(fmt, city, api_key, **{"attribute[ukuran]": ""}), 400),
        (post_request(fmt, city, api_key, lat="x"), 400),
        (post_request(fmt, city, api_key, lat="-5.9", long="106.3"), 400),
    ]
    for response, status in cases:
        assert response.status_code == status, response.content
        if fmt == "json":
            error = response.json()[0]
            assert error["code"] == status
            assert error["description"]
        else:
            root = parse_xml(response.content)
            assert root.tag == "errors"
            assert root.findtext("error/code") == str(status)
            assert root.findtext("error/description")
    assert not Report.objects.exists()


def test_another_citys_key_is_refused(city, gorontalo):
    other_key = create_application(city=gorontalo, name="Gorontalo app")
    response = post_request("json", city, other_key)
    assert response.status_code == 403
