"""The dashboard over HTTP: who may see it, hostile filters, the exports (same filters,
no contact details, no formulas), the targets, and the public performance page with
its suppression of small counts."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import timedelta

import openpyxl
import pytest
from django.test import Client
from django.utils import timezone

from dashboard.models import Target
from dashboard.selectors import SUPPRESS_BELOW, Filters, export_events, performance
from dashboard.targets import AMBER, GREEN, RED, Goals, colours
from reports.choices import Publicity
from reports.models import Category, Channel, Report, ReportEvent, Status
from tenancy.models import AdminArea, Role
from tests.dashboard.conftest import staff

pytestmark = pytest.mark.django_db

CONTACTS = ("Budi Rahasia", "budi.rahasia@example.org", "6281234567890", "pelapor@")


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_only_operators_and_city_admins_see_the_dashboard(city, operator):
    base = f"/{city.slug}/dashboard/"
    api = f"/api/{city.slug}/dashboard/figures"
    anonymous = Client()
    assert anonymous.get(base).status_code == 302
    assert anonymous.get(api).status_code == 401
    for role, agency in (
        (Role.AGENCY_EDITOR, "dinas-pu"),
        (Role.FIELD_OFFICER, "dlh"),
        (Role.PLANNER, None),
    ):
        outsider = client_for(staff(city, role, agency))
        assert outsider.get(base).status_code == 403, role
        console = outsider.get(f"/{city.slug}/reports/console/")
        assert 'data-nav="dashboard"' not in console.content.decode()
        assert outsider.get(api).status_code == 403, role
        assert (
            outsider.get(f"/api/{city.slug}/dashboard/export/reports.csv").status_code
            == 403
        )
    for user in (operator, staff(city, Role.CITY_ADMIN)):
        client = client_for(user)
        page = client.get(base)
        assert page.status_code == 200
        assert 'data-nav="dashboard"' in page.content.decode()
        body = client.get(api).json()
        assert body["city"]["targets"]["first_response_hours"] == 6
        assert body["city"]["targets"]["resolution_hours"] == 168


HOSTILE = [
    ({"from": "2026-13-01"}, "from"),
    ({"from": "\uff12\uff10\uff12\uff16-01-01"}, "from"),
    ({"from": "1900-01-01"}, "from"),
    ({"from": "2026-05-02", "to": "2026-05-01"}, "to"),
    ({"category": "jalan\x00rusak"}, "category"),
    ({"category": "no-such-thing"}, "category"),
    ({"category": ["jalan-rusak", "sampah"]}, "category"),
    ({"agency": "x" * 500}, "agency"),
    ({"agency": "'; DROP TABLE reports_report; --"}, "agency"),
    ({"kecamatan": "36.71.01.1001"}, "kecamatan"),  # a kelurahan, not a kecamatan
]


def test_hostile_filters_are_refused_with_a_message(city, operator):
    client = client_for(operator)
    for params, field in HOSTILE:
        for path in ("figures", "feed", "export/reports.csv", "export/timeline.xlsx"):
            response = client.get(f"/api/{city.slug}/dashboard/{path}", params)
            assert response.status_code == 400, (path, params)
            body = response.json()
            assert body["detail"]
            assert field in body["errors"]
    for after in ("-1", "1e3", "\u0661\u0662", "9" * 30):
        response = client.get(f"/api/{city.slug}/dashboard/feed", {"after": after})
        assert response.status_code == 400
        assert "after" in response.json()["errors"]
    # The same values, well formed, are fine.
    fine = {"from": "2026-01-01", "to": "2026-12-31", "category": "sampah"}
    assert client.get(f"/api/{city.slug}/dashboard/figures", fine).status_code == 200


def test_exports_follow_the_filters_and_carry_no_contact_details(
    city, operator, seeded
):
    client = client_for(operator)
    category = Category.objects.get(city=city, code="jalan-rusak")
    wanted = set(
        Report.objects.filter(city=city, category=category).values_list(
            "ticket", flat=True
        )
    )
    url = f"/api/{city.slug}/dashboard/export/reports"
    text = b"".join(client.get(f"{url}.csv?category=jalan-rusak").streaming_content)
    text = text.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert {r[0] for r in rows[1:]} == wanted
    assert not any(secret in text for secret in CONTACTS)
    descriptions = {r[7] for r in rows[1:]}
    assert '\'=HYPERLINK("x")' in descriptions
    assert not any(d.startswith("=") for d in descriptions)

    response = client.get(f"{url}.xlsx", {"category": "jalan-rusak"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    cells = [c for row in book.active.iter_rows(values_only=True) for c in row]
    assert {row[0] for row in book.active.iter_rows(min_row=2, values_only=True)} == (
        wanted
    )
    assert not any(isinstance(c, str) and any(s in c for s in CONTACTS) for c in cells)
    assert not any(isinstance(c, str) and c.startswith("=") for c in cells)

    timeline = client.get(
        f"/api/{city.slug}/dashboard/export/timeline.csv?category=jalan-rusak"
    )
    text = b"".join(timeline.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    expected = list(export_events(city, Filters(category=category)))
    assert len(rows) - 1 == len(expected) > 0
    assert {r[0] for r in rows[1:]} <= wanted
    # The signed-in reporter's user name (an e-mail address) is not there.
    assert not any(secret in text for secret in CONTACTS)
    xlsx = client.get(f"/api/{city.slug}/dashboard/export/timeline.xlsx")
    book = openpyxl.load_workbook(io.BytesIO(xlsx.content))
    assert book.active.max_row - 1 == ReportEvent.objects.filter(city=city).count()


def test_colours_measure_figures_against_targets():
    goals = Goals(first_response_hours=6, resolution_hours=168, within_sla_pct=80)
    figures = {
        "first_response_median_this_h": 5.0,
        "first_response_p90_this_h": 8.0,
        "resolution_median_this_h": 300.0,
        "resolution_p90_this_h": None,
        "within_sla_pct": 75.0,
        "reopen_pct": 3.0,
        "overdue": 2,
    }
    got = colours(figures, goals)
    assert got["first_response_median_this_h"] == GREEN
    assert got["first_response_p90_this_h"] == AMBER
    assert got["resolution_median_this_h"] == RED
    assert got["resolution_p90_this_h"] == "none"
    assert got["within_sla_pct"] == AMBER
    assert got["reopen_pct"] == GREEN
    assert got["overdue"] == RED


def test_city_admins_set_targets_per_category(city, operator):
    admin = client_for(staff(city, Role.CITY_ADMIN))
    page = f"/{city.slug}/dashboard/targets/"
    assert client_for(operator).get(page).status_code == 403
    jalan = Category.objects.get(city=city, code="jalan-rusak")
    data = {
        "default-first_response_hours": "4",
        "default-resolution_hours": "120",
        "default-within_sla_pct": "90",
        "default-reopen_pct": "3",
        f"{jalan.pk}-first_response_hours": "2",
        f"{jalan.pk}-resolution_hours": "72",
        f"{jalan.pk}-within_sla_pct": "95",
        f"{jalan.pk}-reopen_pct": "1",
    }
    assert admin.post(page, data).status_code == 302
    assert Target.objects.get(city=city, category=None).first_response_hours == 4
    assert Target.objects.get(city=city, category=jalan).resolution_hours == 72
    bad = {**data, f"{jalan.pk}-resolution_hours": "-5"}
    assert admin.post(page, bad).status_code == 400
    bad = {**data, "default-within_sla_pct": "150"}
    assert admin.post(page, bad).status_code == 400
    assert Target.objects.get(city=city, category=None).within_sla_pct == 90
    # An empty row: the category follows the default again.
    cleared = {k: ("" if k.startswith(str(jalan.pk)) else v) for k, v in data.items()}
    assert admin.post(page, cleared).status_code == 302
    assert not Target.objects.filter(city=city, category=jalan).exists()


def _report(city, category, area, *, n: int, created, resolved=None, due=None):
    return Report.objects.create(
        city=city,
        category=category,
        ticket=f"PERF-{n:04d}",
        client_uuid=uuid.uuid4(),
        geom=area.geom.point_on_surface,
        public_geom=area.geom.point_on_surface,
        kelurahan=area,
        kecamatan_id=area.parent_id,
        agency=category.agency,
        description="x",
        channel=Channel.WEB,
        created_at=created,
        due_at=due or created + timedelta(hours=category.sla_hours),
        resolved_at=resolved,
        status=Status.RESOLVED if resolved else Status.SUBMITTED,
    )


def test_public_performance_suppresses_small_counts_and_sensitive_categories(city):
    now = timezone.now()
    kecamatan = AdminArea.objects.filter(
        city=city, level=AdminArea.Level.KECAMATAN
    ).order_by("code")
    first, second = kecamatan[0], kecamatan[1]
    kel_first = AdminArea.objects.filter(parent=first).first()
    kel_second = AdminArea.objects.filter(parent=second).first()
    jalan = Category.objects.get(city=city, code="jalan-rusak")
    private = Category.objects.get(city=city, code="kekerasan")
    fuzzed = Category.objects.get(city=city, code="sampah")
    fuzzed.publicity = Publicity.FUZZED
    fuzzed.save()
    n = 0
    # First kecamatan: 6 public reports, 5 resolved (4 within target).
    for i in range(6):
        n += 1
        created = now - timedelta(days=10 + i)
        resolved = created + timedelta(days=(1 if i < 4 else 5)) if i < 5 else None
        _report(city, jalan, kel_first, n=n, created=created, resolved=resolved)
    # Too old to count.
    n += 1
    _report(city, jalan, kel_first, n=n, created=now - timedelta(days=120))
    # Second kecamatan: 4 public reports, and many sensitive ones that do not count.
    for i in range(4):
        n += 1
        _report(city, jalan, kel_second, n=n, created=now - timedelta(days=3 + i))
    for category in (private, fuzzed):
        for i in range(6):
            n += 1
            _report(
                city, category, kel_second, n=n, created=now - timedelta(days=i + 1)
            )
    figures = performance(city, now)
    shown = figures["kecamatan"][first.code]
    assert shown["n"] == 6
    assert shown["within_target_pct"] == round(100 * 4 / 6, 1)
    assert shown["median_days"] == pytest.approx(1.0, abs=0.05)
    assert figures["kecamatan"][second.code] == {
        "n": None,
        "within_target_pct": None,
        "median_days": None,
    }
    assert figures["city"]["n"] == 10
    page = Client().get(f"/{city.slug}/performance/")
    assert page.status_code == 200
    html = page.content.decode()
    row = html.split(f'data-code="{second.code}"')[1].split("</tr>")[0]
    assert f"{SUPPRESS_BELOW}" in row
    assert "suppressed" in row
    assert ">4<" not in row
    first_row = html.split(f'data-code="{first.code}"')[1].split("</tr>")[0]
    assert ">6<" in first_row
    assert private.name not in html
    assert fuzzed.name not in html
    # A fifth report shows the second kecamatan.
    n += 1
    _report(city, jalan, kel_second, n=n, created=now - timedelta(days=2))
    assert performance(city, now)["kecamatan"][second.code]["n"] == 5


def test_targets_are_a_kit_part(city):
    from dashboard.kit_parts import apply_targets, export_targets, validate_targets
    from tenancy.kits import Kit

    kit = Kit(folder=None, manifest={}, parts={"categories": [{"code": "banjir"}]})
    assert export_targets(city) == [
        {
            "category": "*",
            "first_response_hours": 6,
            "resolution_hours": 168,
            "within_sla_pct": 80,
            "reopen_pct": 5,
        }
    ]
    bad = [
        {"category": "*", "first_response_hours": 0},
        {"category": "banjir", "within_sla_pct": 101},
        {"category": "hantu"},
        {"category": "banjir", "reopen_pct": "5"},
    ]
    problems = validate_targets(bad, kit)
    assert len(problems) == 4, problems
    good = [
        {"category": "*", "first_response_hours": 4},
        {"category": "banjir", "resolution_hours": 48},
    ]
    assert validate_targets(good, kit) == []
    outcome = apply_targets(city, good, kit)
    assert (outcome.created, outcome.updated) == (2, 0)
    banjir = Target.objects.get(city=city, category__code="banjir")
    # A number a category leaves out comes from the kit's default.
    assert (banjir.first_response_hours, banjir.resolution_hours) == (4, 48)
    again = apply_targets(city, good, kit)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert export_targets(city)[1]["category"] == "banjir"
