"""onboard_city: good files, idempotence, and every bad case changes nothing."""

import json
from io import StringIO
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from django.core.management import CommandError, call_command

from tenancy.models import AdminArea, City
from tests.conftest import BOUNDARIES

TANGERANG = {
    "--city": BOUNDARIES / "kota_tangerang_city.geojson",
    "--kecamatan": BOUNDARIES / "kota_tangerang_kecamatan.geojson",
    "--kelurahan": BOUNDARIES / "kota_tangerang_kelurahan.geojson",
}


def _flags(files: dict) -> list[str]:
    return [part for flag, path in files.items() for part in (flag, str(path))]


def onboard(slug: str = "kota-tangerang", **files: Path | str) -> str:
    files = {**TANGERANG, **files}
    args = [slug]
    for flag, value in files.items():
        if value is not None:
            args += [flag if flag.startswith("--") else f"--{flag}", str(value)]
    out = StringIO()
    call_command("onboard_city", *args, stdout=out, stderr=out)
    return out.getvalue()


def onboard_error(**files: Path | str) -> str:
    err = StringIO()
    with pytest.raises(CommandError) as exc:
        call_command(
            "onboard_city",
            "kota-tangerang",
            *_flags({**TANGERANG, **files}),
            stdout=StringIO(),
            stderr=err,
        )
    assert "nothing was changed" in str(exc.value)
    return err.getvalue()


def test_onboards_tangerang_with_its_areas_nested(db):
    out = onboard()
    assert "13 kecamatan, 104 kelurahan" in out
    city = City.objects.get(slug="kota-tangerang")
    assert (city.code, city.name) == ("36.71", "Kota Tangerang")
    areas = AdminArea.objects.filter(city=city)
    assert areas.filter(level="kecamatan").count() == 13
    assert areas.filter(level="kelurahan").count() == 104
    assert not areas.filter(level="kelurahan", parent=None).exists()
    karawaci = areas.get(level="kecamatan", name="Karawaci")
    assert karawaci.children.count() == 16
    assert 170 < sum(a.area_km2 for a in areas.filter(level="kecamatan")) < 185
    assert city.boundary.contains(city.default_center)


def test_second_run_changes_nothing(db):
    onboard()
    before = list(
        AdminArea.objects.order_by("code").values_list("code", "name", "parent_id")
    )
    stamp = City.objects.get().updated_at
    out = onboard()
    assert "0 created, 0 updated, 117 unchanged, 0 removed" in out
    assert "nothing changed" in out
    after = list(
        AdminArea.objects.order_by("code").values_list("code", "name", "parent_id")
    )
    assert before == after
    assert City.objects.get().updated_at == stamp


def test_gorontalo_needs_no_code_change(gorontalo):
    areas = AdminArea.objects.filter(city=gorontalo)
    assert gorontalo.code == "75.71"
    assert areas.filter(level="kecamatan").count() == 9
    assert areas.filter(level="kelurahan").count() == 50
    assert all(
        code.startswith("75.71.") for code in areas.values_list("code", flat=True)
    )


def test_parents_are_found_spatially_without_a_parent_attribute(db, tmp_path):
    frame = gpd.read_file(TANGERANG["--kelurahan"]).drop(columns=["kode_kec"])
    path = tmp_path / "kel.gpkg"
    frame.to_file(path, driver="GPKG")
    onboard(kelurahan=path)
    sukarasa = AdminArea.objects.get(code="36.71.01.1001")
    assert sukarasa.parent.code == "36.71.01"


def test_other_crs_is_reprojected(db, tmp_path):
    path = tmp_path / "kec_utm.gpkg"
    gpd.read_file(TANGERANG["--kecamatan"]).to_crs(32748).to_file(path, driver="GPKG")
    out = onboard(kecamatan=path)
    assert "reprojected from EPSG:32748" in out
    assert AdminArea.objects.filter(level="kecamatan").count() == 13


def _changes_nothing() -> None:
    assert City.objects.count() == 0
    assert AdminArea.objects.count() == 0


def test_missing_file_is_refused(db, tmp_path):
    err = onboard_error(**{"--kecamatan": tmp_path / "nope.geojson"})
    assert "file not found" in err
    _changes_nothing()


def test_broken_file_is_refused(db, tmp_path):
    path = tmp_path / "broken.geojson"
    path.write_text('{"type": "FeatureCollection", "features": [ {"type": ')
    err = onboard_error(**{"--kelurahan": path})
    assert "cannot read broken.geojson" in err
    _changes_nothing()


def test_file_without_crs_needs_srid(db, tmp_path):
    frame = gpd.read_file(TANGERANG["--kecamatan"]).set_crs(None, allow_override=True)
    path = tmp_path / "kec.shp"
    frame.to_file(path)
    err = onboard_error(**{"--kecamatan": path})
    assert "no coordinate reference system" in err
    assert "--srid" in err
    _changes_nothing()
    out = onboard(kecamatan=path, srid="4326")
    assert "13 kecamatan" in out


def _kelurahan_with(tmp_path: Path, change) -> Path:
    data = json.loads(TANGERANG["--kelurahan"].read_text())
    change(data["features"])
    path = tmp_path / "kel.geojson"
    path.write_text(json.dumps(data))
    return path


def test_invalid_geometry_is_refused_with_its_reason(db, tmp_path):
    def bowtie(features):
        features[3]["geometry"] = {
            "type": "Polygon",
            "coordinates": [
                [
                    [106.6, -6.2],
                    [106.61, -6.19],
                    [106.61, -6.2],
                    [106.6, -6.19],
                    [106.6, -6.2],
                ]
            ],
        }

    err = onboard_error(**{"--kelurahan": _kelurahan_with(tmp_path, bowtie)})
    assert "invalid geometry: Self-intersection" in err
    _changes_nothing()


def test_duplicate_codes_are_refused(db, tmp_path):
    def duplicate(features):
        features[5]["properties"]["kode"] = features[4]["properties"]["kode"]

    err = onboard_error(**{"--kelurahan": _kelurahan_with(tmp_path, duplicate)})
    assert "duplicate code" in err
    _changes_nothing()


def test_kelurahan_outside_its_kecamatan_is_refused(db, tmp_path):
    def move(features):
        geom = shapely.geometry.shape(features[0]["geometry"])
        moved = shapely.affinity.translate(geom, xoff=0.5)
        features[0]["geometry"] = shapely.geometry.mapping(moved)

    err = onboard_error(**{"--kelurahan": _kelurahan_with(tmp_path, move)})
    assert "36.71.01.1001 Sukarasa: only 0% lies inside 36.71.01 Tangerang" in err
    _changes_nothing()


def test_points_are_not_boundaries(db, tmp_path):
    def to_point(features):
        features[7]["geometry"] = {"type": "Point", "coordinates": [106.6, -6.2]}

    err = onboard_error(**{"--kelurahan": _kelurahan_with(tmp_path, to_point)})
    assert "expected a polygon, got Point" in err
    _changes_nothing()


def test_wrong_attribute_name_lists_the_available_ones(db):
    err = StringIO()
    with pytest.raises(CommandError):
        call_command(
            "onboard_city",
            "kota-tangerang",
            *_flags(TANGERANG),
            "--code-field",
            "kode_wilayah",
            stdout=StringIO(),
            stderr=err,
        )
    assert "no attribute 'kode_wilayah'" in err.getvalue()
    assert "available: kode, nama" in err.getvalue()
    _changes_nothing()


def test_a_failed_update_keeps_the_existing_city(db, tmp_path):
    onboard()
    before = AdminArea.objects.count()

    def break_one(features):
        features[0]["properties"]["kode_kec"] = "36.71.99"

    err = StringIO()
    with pytest.raises(CommandError):
        call_command(
            "onboard_city",
            "kota-tangerang",
            *_flags(TANGERANG),
            "--kelurahan",
            str(_kelurahan_with(tmp_path, break_one)),
            stdout=StringIO(),
            stderr=err,
        )
    assert "parent code 36.71.99 is not in the parent file" in err.getvalue()
    assert AdminArea.objects.count() == before


def test_dry_run_writes_nothing(db):
    out = StringIO()
    call_command(
        "onboard_city",
        "kota-tangerang",
        *_flags(TANGERANG),
        "--dry-run",
        stdout=out,
    )
    assert "would be written" in out.getvalue()
    _changes_nothing()


@pytest.mark.parametrize(
    "slug", ["basemap", "api", "Kota Baru", "kota--baru", "kota_baru"]
)
def test_reserved_or_malformed_city_slugs_are_refused(db, slug):
    from tenancy.models import City

    err = StringIO()
    with pytest.raises(CommandError) as exc:
        call_command(
            "onboard_city", slug, *_flags(TANGERANG), stdout=StringIO(), stderr=err
        )
    assert "nothing was changed" in str(exc.value)
    assert "slug:" in err.getvalue()
    assert not City.objects.exists()
