"""Onboard a city from boundary files: validate everything first, then write atomically.

A city is data, not code: any file GDAL reads works, and attribute names are options.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import geopandas as gpd
import pyogrio
import shapely
from django.contrib.gis.geos import GEOSGeometry, MultiPolygon, Point
from django.db import transaction
from pyproj import Geod
from shapely.validation import explain_validity

from gis_platform.log import log_event
from tenancy.models import SRID, AdminArea, City
from tenancy.time_zones import time_zone_for_code

# A kelurahan must lie in its kecamatan by at least this share of its area: real
# data has slivers and overlaps of a few per cent along shared edges.
MIN_NESTING_SHARE = 0.90
# A city's slug is the first segment of its pages' URLs: it must not be one the
# platform serves itself (gis_platform/urls.py), or its map would never be reached.
RESERVED_CITY_SLUGS = frozenset(
    {
        "accounts",
        "admin",
        "api",
        "basemap",
        "favicon.ico",
        "healthz",
        "i18n",
        "jsi18n",
        "media",
        "ogc",
        "open311",
        "static",
        "tiles",
    }
)
_CITY_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_GEOD = Geod(ellps="WGS84")
logger = logging.getLogger(__name__)


class OnboardingError(Exception):
    def __init__(self, report: OnboardingReport) -> None:
        super().__init__("\n".join(report.errors))
        self.report = report


@dataclass
class FieldNames:
    code: str = "kode"
    name: str = "nama"
    parent: str = "kode_kec"
    kind: str = "jenis"


@dataclass
class OnboardingReport:
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    city_changed: bool = False
    kecamatan: int = 0
    kelurahan: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.removed or self.city_changed)


@dataclass
class _Area:
    code: str
    name: str
    level: str
    kind: str
    parent_code: str | None
    geom: shapely.MultiPolygon


def _read(path: Path, label: str, srid: int | None, report: OnboardingReport):
    if not path.exists():
        report.errors.append(f"{label}: file not found: {path}")
        return None
    try:
        frame = pyogrio.read_dataframe(path)
    except Exception as exc:  # pyogrio raises several GDAL-derived types
        report.errors.append(f"{label}: cannot read {path.name}: {exc}")
        return None
    if frame.crs is None:
        if srid is None:
            report.errors.append(
                f"{label}: {path.name} has no coordinate reference system; "
                "give its EPSG code with --srid."
            )
            return None
        frame = frame.set_crs(epsg=srid)
    if frame.crs.to_epsg() != SRID:
        report.warnings.append(
            f"{label}: reprojected from {frame.crs.to_string()} to EPSG:{SRID}."
        )
        frame = frame.to_crs(epsg=SRID)
    if frame.empty:
        report.errors.append(f"{label}: {path.name} has no features.")
        return None
    return frame


def _areas(
    frame: gpd.GeoDataFrame,
    label: str,
    level: str,
    names: FieldNames,
    report: OnboardingReport,
    *,
    with_parent: bool,
) -> list[_Area]:
    for column in (names.code, names.name):
        if column not in frame.columns:
            available = ", ".join(c for c in frame.columns if c != "geometry")
            report.errors.append(
                f"{label}: no attribute {column!r} (available: {available})."
            )
            return []
    result: list[_Area] = []
    seen: set[str] = set()
    for row_number, row in enumerate(frame.itertuples(index=False), start=1):
        code = str(getattr(row, names.code) or "").strip()
        name = str(getattr(row, names.name) or "").strip()
        where = f"{label} feature {row_number} ({code or 'no code'} {name})".rstrip()
        geom = row.geometry
        if not code or not name:
            report.errors.append(f"{where}: empty code or name.")
            continue
        if code in seen:
            report.errors.append(f"{where}: duplicate code {code}.")
            continue
        seen.add(code)
        if geom is None or geom.is_empty:
            report.errors.append(f"{where}: empty geometry.")
            continue
        if geom.geom_type == "Polygon":
            geom = shapely.MultiPolygon([geom])
        if geom.geom_type != "MultiPolygon":
            report.errors.append(f"{where}: expected a polygon, got {geom.geom_type}.")
            continue
        if not geom.is_valid:
            report.errors.append(
                f"{where}: invalid geometry: {explain_validity(geom)}."
            )
            continue
        minx, miny, maxx, maxy = geom.bounds
        if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
            report.errors.append(
                f"{where}: coordinates outside longitude/latitude range."
            )
            continue
        parent = None
        if with_parent and names.parent in frame.columns:
            parent = str(getattr(row, names.parent) or "").strip() or None
        kind = ""
        if names.kind in frame.columns:
            kind = str(getattr(row, names.kind) or "").strip()
        result.append(_Area(code, name, level, kind, parent, geom))
    return result


def _nest(
    children: list[_Area],
    parents: list[_Area],
    label: str,
    report: OnboardingReport,
    *,
    assign: bool = True,
) -> None:
    """Set each child's parent code, checking it lies inside that parent.

    With a parent attribute the stated parent must contain the child; without one the
    parent is the area that holds most of it.
    """
    by_code = {p.code: p for p in parents}
    tree = shapely.STRtree([p.geom for p in parents])
    for child in children:
        area = child.geom.area
        if child.parent_code is not None:
            parent = by_code.get(child.parent_code)
            if parent is None:
                report.errors.append(
                    f"{label} {child.code} {child.name}: parent code "
                    f"{child.parent_code} is not in the parent file."
                )
                continue
            share = child.geom.intersection(parent.geom).area / area
        else:
            best, share = None, 0.0
            for index in tree.query(child.geom):
                candidate = parents[index]
                overlap = child.geom.intersection(candidate.geom).area / area
                if overlap > share:
                    best, share = candidate, overlap
            if best is None:
                report.errors.append(
                    f"{label} {child.code} {child.name}: lies in no parent area."
                )
                continue
            parent = best
            if assign:
                child.parent_code = best.code
        if share < MIN_NESTING_SHARE:
            report.errors.append(
                f"{label} {child.code} {child.name}: only {share:.0%} lies inside "
                f"{parent.code} {parent.name} "
                f"(at least {MIN_NESTING_SHARE:.0%} needed)."
            )


def _geodesic_km2(geom: shapely.Geometry) -> float:
    return abs(_GEOD.geometry_area_perimeter(geom)[0]) / 1e6


GeosT = TypeVar("GeosT", bound=GEOSGeometry)


def _to_geos(geom: shapely.Geometry, kind: type[GeosT]) -> GeosT:
    """The GEOS twin of a shapely geometry, checked to be a `kind`."""
    out = GEOSGeometry(shapely.to_wkb(geom, hex=True), srid=SRID)
    if not isinstance(out, kind):
        raise TypeError(f"expected a {kind.__name__}, got a {out.geom_type}")
    return out


def onboard_city(
    *,
    slug: str,
    kecamatan_path: Path,
    kelurahan_path: Path,
    city_path: Path | None = None,
    name: str | None = None,
    code: str | None = None,
    names: FieldNames | None = None,
    srid: int | None = None,
    time_zone: str | None = None,
    language: str = "id",
    dry_run: bool = False,
) -> OnboardingReport:
    """Create or update a city and its areas. Raises OnboardingError (nothing written)
    when any check fails; returns the report otherwise. Without `time_zone`, the
    zone of the province in the city's Kemendagri code (WIB, WITA or WIT)."""
    names = names or FieldNames()
    report = OnboardingReport()
    if not _CITY_SLUG.fullmatch(slug) or len(slug) > 80:
        report.errors.append(
            f"slug: {slug[:60]!r} must be lower-case letters, digits and single "
            "hyphens (e.g. kota-gorontalo), at most 80 characters."
        )
    elif slug in RESERVED_CITY_SLUGS:
        report.errors.append(
            f"slug: {slug!r} is a path the platform serves itself; choose another."
        )
    kec_frame = _read(kecamatan_path, "kecamatan", srid, report)
    kel_frame = _read(kelurahan_path, "kelurahan", srid, report)
    city_frame = _read(city_path, "city", srid, report) if city_path else None
    if report.errors:
        raise OnboardingError(report)

    kecamatan = _areas(
        kec_frame,
        "kecamatan",
        AdminArea.Level.KECAMATAN,
        names,
        report,
        with_parent=False,
    )
    kelurahan = _areas(
        kel_frame,
        "kelurahan",
        AdminArea.Level.KELURAHAN,
        names,
        report,
        with_parent=True,
    )
    clash = {a.code for a in kecamatan} & {a.code for a in kelurahan}
    for dup in sorted(clash):
        report.errors.append(f"code {dup} is both a kecamatan and a kelurahan.")
    if report.errors:
        raise OnboardingError(report)
    _nest(kelurahan, kecamatan, "kelurahan", report)

    if city_frame is not None:
        if len(city_frame) != 1:
            report.errors.append(
                f"city: expected one feature, found {len(city_frame)}."
            )
            raise OnboardingError(report)
        row = city_frame.iloc[0]
        boundary = row.geometry
        if boundary.geom_type == "Polygon":
            boundary = shapely.MultiPolygon([boundary])
        if boundary.geom_type != "MultiPolygon" or not boundary.is_valid:
            report.errors.append("city: the outline must be a valid polygon.")
            raise OnboardingError(report)
        name = name or str(row.get(names.name, "") or "").strip() or None
        code = code or str(row.get(names.code, "") or "").strip() or None
        city_area = _Area(code or "", name or "", "city", "", None, boundary)
        _nest(kecamatan, [city_area], "kecamatan", report, assign=False)
    else:
        boundary = shapely.union_all([a.geom for a in kecamatan])
        if boundary.geom_type == "Polygon":
            boundary = shapely.MultiPolygon([boundary])
    if not name or not code:
        report.errors.append(
            "city: give --name and --code, or a city file with those attributes."
        )
    if code and not time_zone:
        time_zone = time_zone_for_code(code)
        if time_zone is None:
            report.errors.append(
                f"city: no time zone known for province {code.split('.')[0]} of "
                f"code {code}; give one with --time-zone (e.g. Asia/Makassar)."
            )
    prefix = f"{code}." if code else ""
    odd = [
        a.code
        for a in kecamatan + kelurahan
        if prefix and not a.code.startswith(prefix)
    ]
    if odd:
        report.warnings.append(
            f"{len(odd)} area codes do not start with the city code {code} "
            f"(e.g. {odd[0]})."
        )
    # A missing name, code or time zone is one of the errors reported above.
    if report.errors or not (name and code and time_zone):
        raise OnboardingError(report)

    report.kecamatan, report.kelurahan = len(kecamatan), len(kelurahan)
    with transaction.atomic():
        _write(
            slug,
            name,
            code,
            boundary,
            kecamatan,
            kelurahan,
            time_zone,
            language,
            report,
        )
        if dry_run:
            transaction.set_rollback(True)
    log_event(
        logger,
        "city.onboarded",
        city=slug,
        code=code,
        kecamatan=report.kecamatan,
        kelurahan=report.kelurahan,
        time_zone=time_zone,
        dry_run=dry_run,
    )
    return report


def _write(
    slug: str,
    name: str,
    code: str,
    boundary: shapely.MultiPolygon,
    kecamatan: list[_Area],
    kelurahan: list[_Area],
    time_zone: str,
    language: str,
    report: OnboardingReport,
) -> None:
    boundary_geos = _to_geos(boundary, MultiPolygon)
    center = _to_geos(boundary.point_on_surface(), Point)
    city = City.objects.select_for_update().filter(slug=slug).first()
    other = City.objects.filter(code=code).exclude(slug=slug).first()
    if other is not None:
        report.errors.append(f"city: code {code} already belongs to {other.slug}.")
        raise OnboardingError(report)
    if city is None:
        city = City.objects.create(
            slug=slug,
            name=name,
            code=code,
            boundary=boundary_geos,
            default_center=center,
            time_zone=time_zone,
            language=language,
        )
        report.city_changed = True
    else:
        wanted = {
            "name": name,
            "code": code,
            "time_zone": time_zone,
            "language": language,
        }
        dirty = [k for k, v in wanted.items() if getattr(city, k) != v]
        if not city.boundary.equals_exact(boundary_geos, tolerance=1e-9):
            city.boundary, city.default_center = boundary_geos, center
            dirty += ["boundary", "default_center"]
        for key in dirty:
            if key in wanted:
                setattr(city, key, wanted[key])
        if dirty:
            city.save(update_fields=[*dirty, "updated_at"])
            report.city_changed = True

    existing = {a.code: a for a in AdminArea.objects.filter(city=city)}
    saved: dict[str, AdminArea] = {}
    for item in kecamatan + kelurahan:  # parents first
        parent = saved[item.parent_code] if item.parent_code else None
        geos = _to_geos(item.geom, MultiPolygon)
        values = {
            "name": item.name,
            "level": item.level,
            "kind": item.kind,
            "parent_id": parent.pk if parent else None,
            "area_km2": round(_geodesic_km2(item.geom), 4),
        }
        area = existing.pop(item.code, None)
        if area is None:
            area = AdminArea.objects.create(
                city=city, code=item.code, geom=geos, **values
            )
            report.created += 1
        else:
            dirty = [k for k, v in values.items() if getattr(area, k) != v]
            if not area.geom.equals_exact(geos, tolerance=1e-9):
                area.geom = geos
                dirty.append("geom")
            if dirty:
                for key in dirty:
                    if key in values:
                        setattr(area, key, values[key])
                area.save(update_fields=dirty)
                report.updated += 1
            else:
                report.unchanged += 1
        saved[item.code] = area
    if existing:
        report.removed = len(existing)
        report.warnings.append(
            f"removed {len(existing)} areas no longer in the files: "
            + ", ".join(sorted(existing)[:10])
        )
        AdminArea.objects.filter(pk__in=[a.pk for a in existing.values()]).delete()
