"""What leaves the platform: the privacy sweep over every public output (OGC items,
tiles, exports, HTML pages, the JSON API), CQL2 on the permits collection, and the
spatial queries (polygon, status, expiring within N days, radius, statistics)."""

from __future__ import annotations

import json
import math
from datetime import date, timedelta

import mapbox_vector_tile
import pytest
from django.test import Client

from permits.models import Permit, PermitDocument, Status
from permits.sources import KEY, PUBLIC_PROPERTIES
from tenancy.access import agency_work_scope
from tenancy.models import AdminArea
from tests.permits.conftest import APPLICANT, INSIDE, application
from tests.permits.test_lifecycle import walk

pytestmark = pytest.mark.django_db
CITY = "kota-tangerang"
SECRETS = (*APPLICANT.values(), "Jl. Rahasia 7", "SECRET-DOC.pdf", "%PDF-1.4 rahasia")


def body(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 1 << z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


@pytest.fixture
def issued(city, officer):
    """An issued permit with applicant data and a private document, plus a pending
    application at the same place."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from permits.services import add_document

    permit, code = application(city, address="Jl. Rahasia 7", number="REK-2026-0001")
    permit = walk(permit, officer, Status.VERIFICATION, Status.TECHNICAL_REVIEW)
    permit = walk(permit, officer, Status.ISSUED)
    add_document(
        permit=permit,
        actor=officer,
        scope=agency_work_scope(officer, city),
        upload=SimpleUploadedFile("SECRET-DOC.pdf", b"%PDF-1.4 rahasia"),
    )
    pending, _ = application(city, number="REK-2026-0002", business_name="Pending Co")
    return permit, pending, code


def test_no_public_output_carries_applicant_data_or_documents(city, issued):
    permit, _pending, _code = issued
    c = Client()
    outputs = {
        "ogc-collections": c.get(f"/ogc/{CITY}/collections"),
        "ogc-items": c.get(f"/ogc/{CITY}/collections/{KEY}/items", {"limit": 1000}),
        "ogc-item": c.get(f"/ogc/{CITY}/collections/{KEY}/items/{permit.pk}"),
        "ogc-html": c.get(f"/ogc/{CITY}/collections/{KEY}/items", {"f": "html"}),
        "queryables": c.get(f"/ogc/{CITY}/collections/{KEY}/queryables"),
        "api": c.get(f"/api/{CITY}/permits/", {"limit": 10000}),
        "engine-api": c.get(f"/api/{CITY}/layers/{KEY}/features", {"limit": 10000}),
        "near": c.get(
            f"/api/{CITY}/layers/{KEY}/near",
            {"lon": INSIDE[0], "lat": INSIDE[1], "radius_m": 500},
        ),
        "csv": c.get(f"/api/{CITY}/permits/export.csv"),
        "geojson": c.get(f"/api/{CITY}/permits/export.geojson"),
        "stats": c.get(f"/api/{CITY}/permits/stats"),
        "page": c.get(f"/{CITY}/permits/", {"number": permit.number}),
        "map": c.get(f"/{CITY}/"),
        "catalogue": c.get(f"/api/{CITY}/layers/"),
        "tilejson": c.get(f"/tiles/{CITY}/{KEY}.json"),
    }
    for z in (12, 16):
        x, y = tile_of(*INSIDE, z)
        outputs[f"tile-{z}"] = c.get(f"/tiles/{CITY}/{KEY}/{z}/{x}/{y}.mvt")
    texts: dict[str, str] = {}
    for name, response in outputs.items():
        assert response.status_code == 200, (name, response.status_code)
        raw = response.content if name.startswith("tile-") else body(response).encode()
        texts[name] = raw.decode(errors="replace")
        for secret in SECRETS:
            assert secret.encode() not in raw, (name, secret)
        # The pending application is not public anywhere.
        assert b"REK-2026-0002" not in raw, name
        assert b"Pending Co" not in raw, name
    items = json.loads(texts["ogc-items"])
    ours = [
        f for f in items["features"] if f["properties"]["PermitNum"] == permit.number
    ]
    assert len(ours) == 1
    assert set(ours[0]["properties"]) <= set(PUBLIC_PROPERTIES)
    assert ours[0]["properties"]["StatusCurrent"] == "issued"
    tile = mapbox_vector_tile.decode(outputs["tile-16"].content)
    numbers = {f["properties"]["PermitNum"] for f in tile[KEY]["features"]}
    assert permit.number in numbers
    assert "REK-2026-0002" not in numbers
    # On the city map in governance, coloured by status with those in its legend.
    catalogue = json.loads(texts["catalogue"])
    entry = next(layer for layer in catalogue["layers"] if layer["slug"] == KEY)
    assert entry["dimension"] == "governance"
    renderer = entry["style"]["renderer"]
    assert renderer["attribute"] == "StatusCurrent"
    assert {c["value"] for c in renderer["classes"]} == {
        "issued",
        "expired",
        "completed",
        "revoked",
    }
    queryables = set(json.loads(texts["queryables"])["properties"])
    assert not {"applicant_name", "applicant_nik", "address"} & queryables
    # Documents: staff of the agency only.
    doc = PermitDocument.objects.get(permit=permit)
    url = f"/{CITY}/permits/staff/documents/{doc.pk}"
    assert c.get(url).status_code == 404
    from tenancy.models import Role
    from tests.permits.conftest import member

    other = Client()
    other.force_login(member(city, Role.AGENCY_EDITOR, "dinas-pu"))
    assert other.get(url).status_code == 404
    assert other.get(f"/{CITY}/permits/staff/{permit.pk}/").status_code == 404
    staff = Client()
    staff.force_login(member(city, Role.AGENCY_EDITOR, "dpmptsp"))
    assert b"".join(staff.get(url).streaming_content) == b"%PDF-1.4 rahasia"
    # The staff queue warns of permits expiring within 30 days.
    Permit.objects.filter(pk=permit.pk).update(
        expires_date=date.today() + timedelta(days=10)
    )
    queue = staff.get(f"/{CITY}/permits/staff/", {"status": "issued"}).content.decode()
    assert 'id="expiring-warning"' in queue
    row = queue.split(f'data-number="{permit.number}"')[1].split("</tr>")[0]
    assert "expires soon" in row or "segera kedaluwarsa" in row


def test_cql2_status_and_expiry_and_spatial_queries(city, issued):
    permit, _pending, _code = issued
    c = Client()
    url = f"/ogc/{CITY}/collections/{KEY}/items"
    for expression in (
        "StatusCurrent='issued' AND ExpiresDate < '2099-01-01'",
        "status='issued' AND expires < '2099-01-01'",
        "status='issued' AND expires < DATE('2099-01-01')",
    ):
        response = c.get(url, {"filter": expression, "limit": 1000})
        assert response.status_code == 200, (expression, body(response))
        found = json.loads(body(response))["features"]
        assert permit.pk in [f["id"] for f in found]
        assert all(f["properties"]["StatusCurrent"] == "issued" for f in found)
    none = c.get(
        url, {"filter": f"PermitNum='{permit.number}' AND expires < '2000-01-01'"}
    )
    assert json.loads(body(none))["features"] == []
    bad = c.get(url, {"filter": "applicant_nik='3671012345678901'"})
    assert bad.status_code == 400

    api = f"/api/{CITY}/permits/"
    kecamatan = AdminArea.objects.get(city=city, level="kecamatan", name="Tangerang")
    days = (permit.expires_date - date.today()).days + 1
    # Permits of type reklame inside the kecamatan polygon, issued, expiring in N days.
    polygon = json.dumps(json.loads(kecamatan.geom.json))
    for params in (
        {
            "type": "reklame",
            "status": "issued",
            "within": polygon,
            "expiring_days": days,
        },
        {
            "type": "reklame",
            "status": "issued",
            "kecamatan": "36.71.01",
            "expiring_days": days,
        },
    ):
        got = c.get(api, params).json()["features"]
        assert permit.number in [f["properties"]["PermitNum"] for f in got]
        expected = set(
            Permit.objects.filter(
                city=city,
                permit_type__code="reklame",
                status="issued",
                point__intersects=kecamatan.geom,
                expires_date__gte=date.today(),
                expires_date__lte=date.today() + timedelta(days=days),
            ).values_list("number", flat=True)
        )
        assert {f["properties"]["PermitNum"] for f in got} == expected
    short = c.get(api, {"expiring_days": 1, "number": permit.number}).json()
    assert short["features"] == []
    # Within R m of a point: nearest first, with distances, none beyond R.
    near = c.get(api, {"lon": INSIDE[0], "lat": INSIDE[1], "radius_m": 800}).json()
    distances = [f["properties"]["distance_m"] for f in near["features"]]
    assert distances == sorted(distances)
    assert distances[0] < 1
    assert all(d <= 800 for d in distances)
    assert near["features"][0]["properties"]["PermitNum"] == permit.number
    # Counts and median days to issue per kecamatan and type.
    stats = c.get(f"/api/{CITY}/permits/stats", {"type": "reklame"}).json()["groups"]
    row = next(g for g in stats if g["kecamatan"] == "Tangerang")
    public = Permit.objects.filter(
        city=city,
        permit_type__code="reklame",
        kecamatan__name="Tangerang",
        status__in=["issued", "expired", "completed", "revoked"],
    )
    assert row["count"] == public.count()
    gaps = sorted((p.issued_date - p.applied_date).days for p in public)
    n = len(gaps)
    median = gaps[n // 2] if n % 2 else (gaps[n // 2 - 1] + gaps[n // 2]) / 2
    assert row["median_days_to_issue"] == pytest.approx(median)
    for params in (
        {"status": "bogus"},
        {"kecamatan": "Atlantis"},
        {"expiring_days": "٣"},
        {"lon": "1e308", "lat": "0"},
        {"within": '{"type":"Point","coordinates":[1,2]}'},
        {"radius_m": "99999999", "lon": "106.6", "lat": "-6.2"},
    ):
        response = c.get(api, params)
        assert response.status_code == 400, params
        assert "errors" in response.json()
