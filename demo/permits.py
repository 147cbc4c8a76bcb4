"""Demo permits for Kota Tangerang: a few hundred plausible, simulated permits
(numbers start with DEMO-, every one flagged `demo`, applicants invented).

The city's permit types and KBLI codes come from the starter kit (the same parts a
new region onboards with). Points are spread over the kelurahan by PostGIS
(ST_GeneratePoints with a fixed seed), so a second run builds the same set; when
the city already has demo permits nothing happens. Expired permits are issued ones
whose expiry date has passed, expired by the nightly task's own service."""

from __future__ import annotations

import random
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.gis.geos import GEOSGeometry, Point
from django.db import connection, transaction

from permits.models import Kbli, Permit, PermitEvent, PermitType, Status, add_months
from permits.selectors import city_today
from permits.services import expire_permits, tracking_hash
from tenancy.kits import apply_kit, read_kit
from tenancy.models import AdminArea, City

STARTER_KIT = Path(settings.BASE_DIR) / "kits" / "kota-tangerang"
PARTS = ("agencies", "kbli", "permit_types")
PER_KELURAHAN = 3
SEED = 36_71
# The tracking code of every demo permit (they are simulated; see README).
DEMO_CODE = "DEMO-DEMO"
BUSINESS = {
    "pbg": ("Rumah tinggal", "Ruko", "Gudang", "Gedung kantor", "Masjid"),
    "slf": ("Ruko", "Gedung kantor", "Pabrik", "Hotel"),
    "oss-rba": ("Toko", "Warung makan", "Konveksi", "Klinik", "Kafe", "Bengkel"),
    "reklame": ("Papan reklame", "Billboard", "Videotron", "Baliho"),
    "keramaian": ("Festival", "Konser", "Bazar", "Pameran"),
    "galian-jalan": ("Galian kabel fiber optik", "Galian pipa PDAM", "Galian gas"),
}
NAMES = ("Sejahtera", "Makmur", "Cisadane", "Benteng", "Jaya", "Mandiri", "Sentosa")
PIPELINE = (
    Status.SUBMITTED,
    Status.VERIFICATION,
    Status.TECHNICAL_REVIEW,
    Status.SITE_INSPECTION,
    Status.REJECTED,
)


def load_demo_permits(city: City) -> int:
    """Create the demo permits (once); returns how many were created."""
    kit = read_kit(STARTER_KIT)
    with transaction.atomic():
        apply_kit(city, kit, only=PARTS)
        if Permit.objects.filter(city=city, demo=True).exists():
            return 0
        created = _create(city)
    expire_permits(today=city_today(city))
    return created


def _points(city: City) -> list[tuple[int, int | None, Point]]:
    table = AdminArea._meta.db_table
    # Table name from _meta; values are parameters.
    points = "ST_AsEWKB((ST_Dump(ST_GeneratePoints(geom, %s, %s))).geom)"
    sql = f"SELECT id, parent_id, {points} FROM {table} WHERE city_id = %s AND level = %s ORDER BY code"  # noqa: E501, S608
    with connection.cursor() as cursor:
        cursor.execute(
            sql, [PER_KELURAHAN, SEED, city.pk, AdminArea.Level.KELURAHAN.value]
        )
        rows = [(k, p, GEOSGeometry(memoryview(g))) for k, p, g in cursor.fetchall()]
    return [(k, p, g) for k, p, g in rows if isinstance(g, Point)]


def _create(city: City) -> int:
    rng = random.Random(SEED)  # noqa: S311 (plausible demo data, not secrets)
    today = city_today(city)
    types = {t.code: t for t in PermitType.objects.filter(city=city)}
    kbli = list(Kbli.objects.filter(city=city))
    permits = []
    for n, (kelurahan, kecamatan, point) in enumerate(_points(city), start=1):
        code = rng.choice(list(types))
        permit_type = types[code]
        applied = today - timedelta(days=rng.randint(20, 3 * 365))
        roll = rng.random()
        status = (
            Status.ISSUED
            if roll < 0.62
            else Status.COMPLETED
            if roll < 0.70
            else Status.REVOKED
            if roll < 0.74
            else rng.choice(PIPELINE)
        )
        issued = expires = completed = None
        if status in (Status.ISSUED, Status.COMPLETED, Status.REVOKED):
            issued = min(applied + timedelta(days=rng.randint(3, 45)), today)
            months = permit_type.validity_months
            if months:
                expires = add_months(issued, months)
                # Some expire within the next weeks: the staff view warns of them.
                if rng.random() < 0.12:
                    expires = today + timedelta(days=rng.randint(1, 60))
                    expires = max(expires, issued + timedelta(days=1))
            if status == Status.COMPLETED:
                completed = min(issued + timedelta(days=rng.randint(10, 200)), today)
        if status == Status.REJECTED:
            applied = today - timedelta(days=rng.randint(20, 400))
        chosen = rng.choice(kbli) if permit_type.requires_kbli else None
        kind = rng.choice(BUSINESS[code])
        permit = Permit(
            city=city,
            number=f"DEMO-{code.upper()}-{applied.year}-{n:04d}",
            permit_type=permit_type,
            agency_id=permit_type.agency_id,
            kbli=chosen,
            risk_level=chosen.risk if chosen else "",
            status=status,
            business_name=f"{kind} {rng.choice(NAMES)} (demo)",
            description=f"Data demo (simulasi): {permit_type.name.lower()}.",
            applicant_name=f"Pemohon Demo {n:03d}",
            applicant_nik=f"3671{rng.randrange(10**12):012d}",
            applicant_phone=f"0812{rng.randrange(10**8):08d}",
            applicant_email=f"pemohon{n:03d}@demo.invalid",
            address=f"Jl. Demo No. {n}",
            fee=rng.randrange(1, 500) * 100_000,
            geom=point,
            point=point,
            kelurahan_id=kelurahan,
            kecamatan_id=kecamatan,
            applied_date=applied,
            issued_date=issued,
            expires_date=expires,
            completed_date=completed,
            demo=True,
        )
        permit.tracking_hash = tracking_hash(permit, DEMO_CODE)
        permits.append(permit)
    Permit.objects.bulk_create(permits, batch_size=500)
    PermitEvent.objects.bulk_create(
        [
            PermitEvent(
                city=city,
                permit=p,
                kind=PermitEvent.Kind.IMPORTED,
                to_status=p.status,
                note="Demo data (simulated).",
                public=True,
            )
            for p in permits
        ],
        batch_size=500,
    )
    return len(permits)
