"""Bulk import with bad rows (per-row report, idempotent on the number) and bad input
everywhere: clear errors, nothing changed."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from openpyxl import Workbook

from permits.models import Permit, PermitEvent
from permits.services import PermitError
from tenancy.models import Role
from tests.factories import AgencyFactory, MembershipFactory
from tests.permits.conftest import INSIDE, OUTSIDE, application

pytestmark = pytest.mark.django_db
CITY = "kota-tangerang"
HEADER = "PermitNum,PermitType,StatusCurrent,BusinessName,nama_pemohon,nik,kbli,AppliedDate,IssuedDate,ExpiresDate,Longitude,Latitude"  # noqa: E501
GOOD = [
    f"IMP-1,reklame,issued,Baliho A,Ani,3671000000000001,,2025-01-02,2025-01-10,2026-01-10,{INSIDE[0]},{INSIDE[1]}",  # noqa: E501
    f"IMP-2,oss-rba,submitted,Warung B,Budi,,56101,2025-02-01,,,{INSIDE[0]},{INSIDE[1]}",  # noqa: E501
]
BAD = [
    f"IMP-3,reklame,issued,Dates,Cici,,,2025-03-10,2025-03-01,,{INSIDE[0]},{INSIDE[1]}",  # issued before applied  # noqa: E501
    f"IMP-4,oss-rba,submitted,Kbli,Dedi,,99999,2025-03-10,,,{INSIDE[0]},{INSIDE[1]}",  # unknown KBLI  # noqa: E501
    f"IMP-5,reklame,submitted,Sea,Eka,,,2025-03-10,,,{OUTSIDE[0]},{OUTSIDE[1]}",  # outside the city  # noqa: E501
    f'IMP-6,reklame,submitted,"<script>alert(1)</script>",Fajar,,,2025-03-10,,,{INSIDE[0]},{INSIDE[1]}',
    f"IMP-1,reklame,issued,Again,Ani,,,2025-01-02,2025-01-10,,{INSIDE[0]},{INSIDE[1]}",  # repeated number  # noqa: E501
    f"IMP-7,reklame,expired,Typed,Gita,,,2025-01-02,2025-01-10,2025-02-10,{INSIDE[0]},{INSIDE[1]}",
    f"IMP-8,reklame,issued,Nik,Hadi,12345,,2025-01-02,2025-01-10,2025-01-05,{INSIDE[0]},{INSIDE[1]}",
]


def test_import_reports_bad_rows_and_is_idempotent(city, tmp_path, officer_client):
    path = tmp_path / "permits.csv"
    path.write_text("\n".join([HEADER, *GOOD, *BAD]) + "\n", encoding="utf-8")
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command(
            "import_permits", CITY, str(path), stdout=out, stderr=io.StringIO()
        )
    text = out.getvalue()
    assert "2 created, 0 updated, 0 unchanged, 7 refused." in text
    assert "line 4 (IMP-3): issued_date" in text
    assert "line 5 (IMP-4): kbli" in text
    assert "line 6 (IMP-5): location" in text
    assert "line 7 (IMP-6): business_name" in text
    assert "line 8 (IMP-1): number" in text
    assert "line 9 (IMP-7): status" in text
    assert "applicant_nik" in text
    assert "expires_date" in text
    assert set(
        Permit.objects.filter(number__startswith="IMP-").values_list(
            "number", flat=True
        )
    ) == {"IMP-1", "IMP-2"}
    imported = Permit.objects.get(number="IMP-1")
    assert imported.kecamatan.name == "Tangerang"
    assert imported.applicant_nik == "3671000000000001"
    # Again, as an XLSX through the staff page: nothing changes.
    book = Workbook()
    sheet = book.active
    for line in [HEADER, *GOOD]:
        sheet.append(line.split(","))
    data = io.BytesIO()
    book.save(data)
    data.name = "permits.xlsx"
    data.seek(0)
    events = PermitEvent.objects.count()
    page = officer_client.post(f"/{CITY}/permits/staff/import/", {"file": data})
    assert page.status_code == 200
    assert "0 created, 0 updated, 2 unchanged, 0 refused." in page.content.decode()
    assert PermitEvent.objects.count() == events
    # A changed row updates the permit, with a timeline event.
    changed = GOOD[0].replace("Baliho A", "Baliho A2")
    path.write_text("\n".join([HEADER, changed]) + "\n", encoding="utf-8")
    call_command("import_permits", CITY, str(path), stdout=out, stderr=io.StringIO())
    imported.refresh_from_db()
    assert imported.business_name == "Baliho A2"
    # Mapping a column by hand.
    path.write_text(
        "nomor,jenis,nama_usaha,pemohon,tgl,x,y\n"
        f"MAP-1,keramaian,Bazar,Ina,2025-05-01,{INSIDE[0]},{INSIDE[1]}\n"
    )
    out = io.StringIO()
    call_command(
        "import_permits",
        CITY,
        str(path),
        "--map",
        "permit_type=jenis",
        "--map",
        "applied_date=tgl",
        "--map",
        "lon=x",
        "--map",
        "lat=y",
        stdout=out,
        stderr=io.StringIO(),
    )
    assert "MAP-1" not in out.getvalue()  # no error lines
    assert "1 created" in out.getvalue()
    assert Permit.objects.get(number="MAP-1").permit_type.code == "keramaian"


def test_bad_input_is_refused_and_changes_nothing(city, officer, officer_client):
    before = Permit.objects.count()
    cases = {
        "applied_date": {"applied_date": "2025-13-45"},
        "kbli": {"permit_type": "oss-rba", "kbli": "12345"},
        "location": {"lon": OUTSIDE[0], "lat": OUTSIDE[1]},
        "business_name": {"business_name": "<img src=x onerror=alert(1)>"},
        "description": {"description": "<script>alert(1)</script>"},
        "applicant_nik": {"applicant_nik": "36710123"},
        "applicant_email": {"applicant_email": "not-an-email"},
        "permit_type": {"permit_type": "no-such-type"},
        "fee": {"fee": "-5"},
        "status": {"status": "issued"},  # an application starts submitted
    }
    for field, override in cases.items():
        with pytest.raises(PermitError) as refused:
            application(city, **override)
        assert field in refused.value.errors, (field, refused.value.errors)
    # A parcel polygon: its map point lies on the parcel, its areas found from it.
    x, y = INSIDE
    parcel = {
        "type": "Polygon",
        "coordinates": [
            [[x, y], [x + 0.0005, y], [x + 0.0005, y + 0.0004], [x, y + 0.0004], [x, y]]
        ],
    }
    lot, _code = application(
        city, number="PBG-LOT-1", permit_type="pbg", lon=None, lat=None, geometry=parcel
    )
    assert lot.geom.geom_type == "Polygon"
    assert lot.geom.contains(lot.point)
    assert lot.kecamatan.name == "Tangerang"
    first, _code = application(city, number="DUP-1")
    with pytest.raises(PermitError) as refused:
        application(city, number="DUP-1")
    assert "number" in refused.value.errors
    assert Permit.objects.count() == before + 2
    # The staff form shows errors and creates nothing.
    page = officer_client.post(
        f"/{CITY}/permits/staff/new/",
        {
            "permit_type": "reklame",
            "business_name": "<b>x</b>",
            "applicant_name": "A",
            "applied_date": "2025-01-01",
            "lon": "106.63",
            "lat": "-6.17",
        },
    )
    assert page.status_code == 200
    assert 'data-error="business_name"' in page.content.decode()
    assert Permit.objects.count() == before + 2
    # Another city's staff and another agency's: nothing to see, nothing to do.
    stranger_city = AgencyFactory().city
    outsider = MembershipFactory(city=stranger_city, role=Role.CITY_ADMIN).user
    c = Client()
    c.force_login(outsider)
    assert c.get(f"/{CITY}/permits/staff/").status_code == 403
    url = f"/{CITY}/permits/staff/{first.pk}/act"
    assert (
        c.post(url, {"action": "transition", "status": "verification"}).status_code
        == 403
    )
    from tests.permits.conftest import member

    pu = Client()
    pu.force_login(member(city, Role.AGENCY_EDITOR, "dinas-pu"))
    assert (
        pu.post(url, {"action": "transition", "status": "verification"}).status_code
        == 404
    )
    first.refresh_from_db()
    assert first.status == "submitted"
    # Without a CSRF token the officer's own post is refused.
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(officer)
    assert (
        strict.post(url, {"action": "transition", "status": "verification"}).status_code
        == 403
    )
    first.refresh_from_db()
    assert first.status == "submitted"
    ok = officer_client.post(url, {"action": "transition", "status": "verification"})
    assert ok.status_code == 302
    first.refresh_from_db()
    assert first.status == "verification"
