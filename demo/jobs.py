"""Demo job vacancies for Kota Tangerang: demo employers and about 150 vacancies at
the industrial estates of the shipped OpenStreetMap places (category `industrial`),
all flagged `demo` (pages show a "demo" badge). Also applies the starter kit's
occupation list. Fast (bulk inserts, areas found in one UPDATE) and idempotent: a
city that has demo vacancies already is left alone."""

from __future__ import annotations

import json
import random
from datetime import timedelta
from pathlib import Path

import yaml
from django.conf import settings
from django.contrib.gis.geos import Point
from django.db import connection, transaction

from demo.places import clean_places
from jobs.choices import Education, EmploymentType, Sector
from jobs.dates import city_today
from jobs.kit_parts import apply_occupations, validate_occupations
from jobs.models import Employer, Occupation, Vacancy, VacancyEvent
from jobs.workflow import Status
from tenancy.models import SRID, AdminArea, City

POIS = Path(settings.BASE_DIR) / "data" / "poi" / "kota_tangerang_osm_pois.geojson"
OCCUPATIONS = Path(settings.BASE_DIR) / "kits" / "kota-tangerang" / "occupations.yaml"
VACANCIES = 150
SEED = 14

COMPANIES = [
    "PT Demo Baja Nusantara",
    "PT Demo Plastik Cisadane",
    "PT Demo Sepatu Benteng",
    "PT Demo Logistik Bandara",
    "PT Demo Garmen Karawaci",
    "PT Demo Elektronik Jatiuwung",
    "PT Demo Pangan Sejahtera",
    "PT Demo Keramik Priuk",
    "PT Demo Farmasi Batuceper",
    "CV Demo Kemasan Mandiri",
    "PT Demo Gudang Kosambi",
    "PT Demo Otomotif Cikokol",
]
# (title, KBJI code, sector, education, salary band in IDR million/month)
JOBS = [
    ("Operator produksi", "9329", Sector.C, Education.SMA, (4.9, 5.3)),
    ("Operator mesin jahit", "8153", Sector.C, Education.SMP, (4.9, 5.1)),
    ("Operator mesin plastik", "8142", Sector.C, Education.SMK, (4.9, 5.5)),
    ("Operator forklift", "8344", Sector.H, Education.SMA, (5.0, 6.0)),
    ("Staf gudang", "4321", Sector.H, Education.SMA, (4.9, 5.4)),
    ("Pengemudi truk", "8332", Sector.H, Education.SMP, (5.0, 6.5)),
    ("Teknisi mesin", "7233", Sector.C, Education.SMK, (5.5, 7.5)),
    ("Tukang las", "7212", Sector.C, Education.SMK, (5.2, 6.8)),
    ("Admin produksi", "4110", Sector.C, Education.D3, (5.0, 6.0)),
    ("Staf akuntansi", "3313", Sector.C, Education.S1, (6.0, 8.0)),
    ("Supervisor produksi", "3122", Sector.C, Education.D3, (7.0, 10.0)),
    ("Petugas keamanan", "5414", Sector.N, Education.SMA, (4.9, 5.2)),
    ("Petugas kebersihan", "9112", Sector.N, Education.SD, (4.9, 5.0)),
    ("Pengemas", "9321", Sector.C, Education.SMP, (4.9, 5.1)),
    ("Perakit elektronik", "8212", Sector.C, Education.SMK, (4.9, 5.6)),
]
TYPES = [
    EmploymentType.FULL_TIME,
    EmploymentType.FULL_TIME,
    EmploymentType.CONTRACTOR,
    EmploymentType.TEMPORARY,
    EmploymentType.INTERN,
]


def _estates(city: City) -> list[tuple[str, Point]]:
    features = json.loads(POIS.read_text(encoding="utf-8"))["features"]
    industrial = [f for f in features if f["properties"]["category"] == "industrial"]
    inside = city.boundary.prepared
    estates = []
    for feature in clean_places(industrial, city.boundary):
        lon, lat = feature["geometry"]["coordinates"][:2]
        point = Point(lon, lat, srid=SRID)
        if inside.contains(point):
            estates.append((feature["properties"].get("name") or "", point))
    return estates


def load_occupations(city: City) -> int:
    data = yaml.safe_load(OCCUPATIONS.read_text(encoding="utf-8"))
    problems = validate_occupations(data, None)  # type: ignore[arg-type]
    if problems:
        raise ValueError("; ".join(problems))
    outcome = apply_occupations(city, data, None)  # type: ignore[arg-type]
    return outcome.created


@transaction.atomic
def load_demo_jobs(city: City) -> int:
    """Create the demo vacancies; returns how many (0 when they exist already)."""
    load_occupations(city)
    if Vacancy.objects.filter(city=city, demo=True).exists():
        return 0
    estates = _estates(city)
    if not estates:
        return 0
    rng = random.Random(SEED)  # noqa: S311 (plausible demo data, not secrets)
    occupations = {o.code: o for o in Occupation.objects.filter(city=city)}
    employers = [
        Employer.objects.create(
            city=city,
            name=name,
            nib=f"{9120000000000 + i:013d}",
            verified=i % 3 != 2,
            contact_name="Demo HRD",
            contact_email=f"hrd{i}@demo.invalid",
            contact_phone=f"+62 21 5550 {1000 + i}",
            demo=True,
        )
        for i, name in enumerate(COMPANIES)
    ]
    inside = city.boundary.prepared
    today = city_today(city)
    rows: list[Vacancy] = []
    for i in range(VACANCIES):
        estate_name, at = estates[(i * 7) % len(estates)]
        point = at
        for _attempt in range(5):  # a few hundred metres around the estate's point
            moved = Point(
                at.x + rng.uniform(-0.002, 0.002),
                at.y + rng.uniform(-0.002, 0.002),
                srid=SRID,
            )
            if inside.contains(moved):
                point = moved
                break
        title, code, sector, education, (low, high) = JOBS[i % len(JOBS)]
        employer = employers[i % len(employers)]
        status = Status.PUBLISHED
        if i % 25 == 3:
            status = Status.SUBMITTED
        elif i % 50 == 7:
            status = Status.CLOSED
        posted = today - timedelta(days=rng.randint(0, 30))
        with_salary = i % 4 != 0
        rows.append(
            Vacancy(
                city=city,
                employer=employer,
                title=f"{title} (demo)",
                description=(
                    f"Data contoh (demo). {employer.name} membuka lowongan {title} "
                    f"di {estate_name or 'kawasan industri'}. Syarat: "
                    f"{education.label}, sehat jasmani, bersedia kerja shift."
                ),
                occupation=occupations[code],
                sector=sector,
                openings=rng.choice([1, 2, 3, 5, 10, 20]),
                education=education,
                experience_years=rng.choice([0, 0, 1, 2, 3]),
                salary_min=int(low * 1_000_000) if with_salary else None,
                salary_max=int(high * 1_000_000) if with_salary else None,
                employment_type=TYPES[i % len(TYPES)],
                geom=point,
                address=estate_name,
                apply_url=f"https://example.com/demo/lowongan/{i + 1}",
                apply_address=f"HRD {employer.name}, {estate_name}".strip(", "),
                posted_on=posted,
                closes_on=posted + timedelta(days=rng.randint(30, 75)),
                status=status,
                demo=True,
            )
        )
    created = Vacancy.objects.bulk_create(rows)
    VacancyEvent.objects.bulk_create(
        VacancyEvent(
            city=city,
            vacancy=v,
            kind=VacancyEvent.Kind.CREATED,
            to_status=v.status,
            note="demo",
        )
        for v in created
    )
    _locate_all(city)
    return len(created)


def _locate_all(city: City) -> None:
    """Kelurahan and kecamatan of every vacancy without them, in one statement."""
    t_vacancy = Vacancy._meta.db_table
    t_area = AdminArea._meta.db_table
    sql = f"""
        UPDATE {t_vacancy} v SET kelurahan_id = k.id, kecamatan_id = k.parent_id
        FROM {t_area} k
        WHERE v.city_id = %s AND v.kelurahan_id IS NULL
          AND k.city_id = v.city_id AND k.level = %s
          AND ST_Intersects(k.geom, v.geom)
    """  # noqa: S608 (names from _meta)
    with connection.cursor() as cursor:
        cursor.execute(sql, [city.pk, AdminArea.Level.KELURAHAN.value])
