"""City kits: export a city's kit, onboard another region with it, refuse bad kits
whole (issue 11 §2)."""

from __future__ import annotations

import io
import os
import shutil
from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command
from django.test import Client

from layers.models import Layer
from reports.models import Category, Report, RoutingRule
from reports.services import create_application
from tenancy.models import AdminArea, Agency, City
from tenancy.time_zones import time_zone_for_code
from tests.conftest import BOUNDARIES

STARTER_KIT = Path(__file__).resolve().parents[2] / "kits" / "kota-tangerang"
BANJAR = {
    "--city": BOUNDARIES / "kabupaten_banjar_regency.geojson",
    "--kecamatan": BOUNDARIES / "kabupaten_banjar_kecamatan.geojson",
    "--kelurahan": BOUNDARIES / "kabupaten_banjar_desa_kelurahan.geojson",
}
GORONTALO = {
    "--city": BOUNDARIES / "kota_gorontalo_city.geojson",
    "--kecamatan": BOUNDARIES / "kota_gorontalo_kecamatan.geojson",
    "--kelurahan": BOUNDARIES / "kota_gorontalo_kelurahan.geojson",
}
# Desa Bakambat, Kecamatan Aluh Aluh (63.03.01), Kabupaten Banjar.
IN_ALUH_ALUH = (114.5301, -3.5089)


def onboard(slug: str, files: dict[str, Path], *extra: str) -> str:
    out = io.StringIO()
    args = [str(a) for pair in files.items() for a in pair]
    call_command("onboard_city", slug, *args, *extra, stdout=out, stderr=out)
    return out.getvalue()


def counts() -> tuple[int, ...]:
    return tuple(
        model.objects.count()
        for model in (City, AdminArea, Agency, Category, RoutingRule, Layer)
    )


@pytest.fixture
def tangerang_kit(tangerang, tmp_path) -> Path:
    call_command("seed_report_categories", stdout=open(os.devnull, "w"))  # noqa: SIM115
    # One rule by area: Banjar lacks Kecamatan Tangerang, onboarding must say so.
    RoutingRule.objects.create(
        city=tangerang,
        category=Category.objects.get(city=tangerang, code="sampah"),
        area=AdminArea.objects.get(city=tangerang, code="36.71.01"),
        agency=Agency.objects.get(city=tangerang, slug="dinas-pu"),
    )
    folder = tmp_path / "kit"
    call_command("export_city_kit", "kota-tangerang", str(folder), stdout=io.StringIO())
    return folder


def test_export_writes_yaml_parts_readme_and_format_version(tangerang_kit):
    manifest = yaml.safe_load((tangerang_kit / "kit.yaml").read_text())
    assert manifest["format_version"] == 1
    assert set(manifest["parts"]) >= {
        "city",
        "agencies",
        "categories",
        "routing",
        "layers",
    }
    assert (tangerang_kit / "README.md").read_text().startswith("# City kit")
    categories = yaml.safe_load((tangerang_kit / "categories.yaml").read_text())
    road = next(c for c in categories if c["code"] == "jalan-rusak")
    assert road["agency"] == "dinas-pu"
    assert road["sla_hours"] == 72
    assert road["questions"][0]["code"] == "ukuran"
    layers = yaml.safe_load((tangerang_kit / "layers.yaml").read_text())
    assert {"rumah-sakit", "sekolah"} <= {layer["slug"] for layer in layers}
    assert all("features" not in layer for layer in layers)
    routing = yaml.safe_load((tangerang_kit / "routing.yaml").read_text())
    assert routing == [
        {
            "category": "sampah",
            "area": "36.71.01",
            "area_name": "Tangerang",
            "agency": "dinas-pu",
        }
    ]


def test_kit_round_trip_makes_banjar_a_working_city(tangerang_kit):
    output = onboard("kabupaten-banjar", BANJAR, "--kit", str(tangerang_kit))
    banjar = City.objects.get(slug="kabupaten-banjar")
    assert banjar.time_zone == "Asia/Makassar"
    # The Tangerang rule names an area Banjar lacks: reported, not dropped silently.
    assert "36.71.01" in output
    assert "no such area" in output
    assert not RoutingRule.objects.filter(city=banjar).exists()

    client = Client()
    services = client.get(
        "/open311/v2/services.json", {"jurisdiction_id": banjar.slug}
    ).json()
    tangerang_codes = set(
        Category.objects.filter(city__slug="kota-tangerang", active=True).values_list(
            "code", flat=True
        )
    )
    assert {s["service_code"] for s in services} == tangerang_codes
    assert Layer.objects.filter(city=banjar, slug="rumah-sakit").exists()

    api_key = create_application(city=banjar, name="Aplikasi Banjar")
    created = client.post(
        "/open311/v2/requests.json",
        {
            "api_key": api_key,
            "jurisdiction_id": banjar.slug,
            "service_code": "jalan-rusak",
            "lat": IN_ALUH_ALUH[1],
            "long": IN_ALUH_ALUH[0],
            "description": "Jalan desa berlubang",
            "attribute[ukuran]": "besar",
        },
    )
    assert created.status_code == 200, created.content
    report = Report.objects.get(city=banjar)
    assert report.agency.city_id == banjar.pk
    assert report.agency.slug == "dinas-pu"
    assert report.kecamatan.code == "63.03.01"


def test_a_kit_rule_for_a_banjar_area_routes_reports_there(tangerang_kit):
    routing = tangerang_kit / "routing.yaml"
    routing.write_text(
        yaml.safe_dump(
            [{"category": "jalan-rusak", "area": "63.03.01", "agency": "dlh"}]
        )
    )
    onboard("kabupaten-banjar", BANJAR, "--kit", str(tangerang_kit))
    banjar = City.objects.get(slug="kabupaten-banjar")
    api_key = create_application(city=banjar, name="Aplikasi Banjar")
    created = Client().post(
        "/open311/v2/requests.json",
        {
            "api_key": api_key,
            "jurisdiction_id": banjar.slug,
            "service_code": "jalan-rusak",
            "lat": IN_ALUH_ALUH[1],
            "long": IN_ALUH_ALUH[0],
            "description": "Jalan desa berlubang",
            "attribute[ukuran]": "kecil",
        },
    )
    assert created.status_code == 200, created.content
    report = Report.objects.get(city=banjar)
    assert (report.agency.slug, report.agency.city_id) == ("dlh", banjar.pk)


def test_applying_a_kit_twice_changes_nothing(tangerang_kit):
    onboard("kabupaten-banjar", BANJAR, "--kit", str(tangerang_kit))
    before = counts()
    output = onboard("kabupaten-banjar", BANJAR, "--kit", str(tangerang_kit))
    assert counts() == before
    assert "Already up to date" in output


def test_dry_run_with_a_kit_writes_nothing(tangerang_kit):
    before = counts()
    output = onboard(
        "kabupaten-banjar", BANJAR, "--kit", str(tangerang_kit), "--dry-run"
    )
    assert "kit categories: 7 created" in output
    assert counts() == before


def test_gorontalo_onboards_with_the_starter_kit(db):
    onboard("kota-gorontalo", GORONTALO, "--kit", str(STARTER_KIT))
    gorontalo = City.objects.get(slug="kota-gorontalo")
    assert gorontalo.time_zone == "Asia/Makassar"
    assert Category.objects.filter(city=gorontalo).count() >= 5
    assert Agency.objects.filter(city=gorontalo, slug="dinas-pu").exists()
    services = (
        Client()
        .get("/open311/v2/services.json", {"jurisdiction_id": gorontalo.slug})
        .json()
    )
    assert "jalan-rusak" in {s["service_code"] for s in services}


def test_time_zone_option_beats_the_province(db):
    onboard("kota-gorontalo", GORONTALO, "--time-zone", "Asia/Jakarta")
    assert City.objects.get(slug="kota-gorontalo").time_zone == "Asia/Jakarta"


@pytest.mark.parametrize(
    ("code", "zone"),
    [
        ("36.71", "Asia/Jakarta"),
        ("61.71", "Asia/Jakarta"),
        ("63.03", "Asia/Makassar"),
        ("75.71", "Asia/Makassar"),
        ("51.71", "Asia/Makassar"),
        ("81.71", "Asia/Jayapura"),
        ("94.01", "Asia/Jayapura"),
        ("99.01", None),
    ],
)
def test_time_zone_follows_the_province_code(code, zone):
    assert time_zone_for_code(code) == zone


def _edit(folder: Path, name: str, change) -> None:
    path = folder / name
    path.write_text(
        yaml.safe_dump(change(yaml.safe_load(path.read_text())), allow_unicode=True)
    )


def _first(key: str, value):
    def change(items):
        items[0][key] = value
        return items

    return change


BAD_KITS = {
    "format version": (
        lambda f: _edit(f, "kit.yaml", lambda m: {**m, "format_version": 99}),
        "format_version 99",
    ),
    "missing file": (
        lambda f: (f / "categories.yaml").unlink(),
        "categories.yaml: file missing",
    ),
    "bad yaml": (
        lambda f: (f / "agencies.yaml").write_text("- slug: [unclosed\n"),
        "agencies.yaml: not valid YAML",
    ),
    "unknown part": (
        lambda f: _edit(f, "kit.yaml", lambda m: {**m, "parts": [*m["parts"], "x"]}),
        "unknown part 'x'",
    ),
    "unknown dimension": (
        lambda f: _edit(f, "layers.yaml", _first("dimension", "smart-weather")),
        "unknown dimension 'smart-weather'",
    ),
    "unknown visibility": (
        lambda f: _edit(f, "layers.yaml", _first("visibility", "secret")),
        "unknown visibility 'secret'",
    ),
    "unknown publicity": (
        lambda f: _edit(f, "categories.yaml", _first("publicity", "loud")),
        "unknown publicity 'loud'",
    ),
    "duplicate category code": (
        lambda f: _edit(f, "categories.yaml", lambda c: [*c, c[0]]),
        "duplicate code jalan-rusak",
    ),
    "duplicate agency": (
        lambda f: _edit(f, "agencies.yaml", lambda a: [*a, a[0]]),
        "duplicate slug",
    ),
    "category of an agency not in the kit": (
        lambda f: _edit(f, "categories.yaml", _first("agency", "dinas-hantu")),
        "agency 'dinas-hantu' is not in agencies.yaml",
    ),
    "routing to an agency not in the kit": (
        lambda f: _edit(f, "routing.yaml", _first("agency", "dinas-hantu")),
        "agency 'dinas-hantu' is not in agencies.yaml",
    ),
    "unquoted area code": (
        lambda f: _edit(f, "routing.yaml", _first("area", 36.71)),
        "area code must be text",
    ),
    "bad question": (
        lambda f: _edit(f, "categories.yaml", _first("questions", [{"code": "x"}])),
        "unknown datatype",
    ),
    "unknown field": (
        lambda f: _edit(f, "categories.yaml", _first("sla_hour", 5)),
        "unknown field(s) sla_hour",
    ),
    "unknown language": (
        lambda f: _edit(f, "city.yaml", lambda c: {**c, "language": "xx"}),
        "unknown language 'xx'",
    ),
}


@pytest.mark.parametrize("problem", list(BAD_KITS))
def test_bad_kit_is_refused_whole_and_changes_nothing(tangerang_kit, problem):
    break_kit, message = BAD_KITS[problem]
    break_kit(tangerang_kit)
    before = counts()
    err = io.StringIO()
    with pytest.raises(CommandError, match="nothing was changed"):
        call_command(
            "onboard_city",
            "kabupaten-banjar",
            *[str(a) for pair in BANJAR.items() for a in pair],
            "--kit",
            str(tangerang_kit),
            stdout=io.StringIO(),
            stderr=err,
        )
    assert message in err.getvalue()
    assert counts() == before
    assert not City.objects.filter(slug="kabupaten-banjar").exists()


def test_every_problem_of_a_kit_is_listed(tangerang_kit):
    _edit(tangerang_kit, "layers.yaml", _first("dimension", "smart-weather"))
    _edit(tangerang_kit, "categories.yaml", _first("agency", "dinas-hantu"))
    err = io.StringIO()
    with pytest.raises(CommandError, match="2 problem"):
        call_command(
            "onboard_city",
            "kabupaten-banjar",
            *[str(a) for pair in BANJAR.items() for a in pair],
            "--kit",
            str(tangerang_kit),
            stdout=io.StringIO(),
            stderr=err,
        )
    assert "smart-weather" in err.getvalue()
    assert "dinas-hantu" in err.getvalue()


def test_starter_kit_is_what_export_writes_for_the_demo(tangerang, tmp_path):
    call_command("seed_report_categories", stdout=open(os.devnull, "w"))  # noqa: SIM115
    folder = tmp_path / "kit"
    call_command("export_city_kit", "kota-tangerang", str(folder), stdout=io.StringIO())
    for path in sorted(folder.iterdir()):
        assert path.read_text() == (STARTER_KIT / path.name).read_text(), (
            f"{path.name} differs: regenerate the starter kit with "
            "manage.py export_city_kit kota-tangerang kits/kota-tangerang"
        )
    shutil.rmtree(folder)
