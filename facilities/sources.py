"""Facilities as a source of the serving engine (layers/engine/): the city map with
its legend, tiles, OGC API Features and exports.

Public columns only: name, kind, address, areas, phones, services, hours, hospital
class, emergency department, website and beds with their time. Who in the agency
changed what is not in it. Table and column names come from `_meta`."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db import connection
from django.urls import reverse

from facilities.models import BedAvailability, Facility, FacilityKind
from layers.engine.sources import Download, LayerSource, Queryable
from tenancy.models import AdminArea, Agency, City

KEY = "fasilitas"
# What popups and clients show, in the city's language and per page language.
FIELDS = (
    ("name", "text", "Nama", "Name"),
    ("kind_name", "text", "Jenis", "Kind"),
    ("address", "text", "Alamat", "Address"),
    ("kelurahan", "text", "Kelurahan", "Kelurahan"),
    ("phones", "text", "Telepon", "Phone"),
    ("opening_hours", "text", "Jam buka", "Opening hours"),
    ("hospital_class", "text", "Kelas RS", "Hospital class"),
    ("emergency_24h", "boolean", "IGD 24 jam", "24-hour emergency"),
    ("services", "text", "Layanan", "Services"),
    ("website", "text", "Situs web", "Website"),
)


def _stamp(city_id: int) -> tuple[int, int, datetime | None]:
    """(kinds, facilities, latest change of a facility or its beds) in one query:
    every catalogue request asks each provider."""
    kinds = FacilityKind._meta.db_table
    facilities = Facility._meta.db_table
    beds = BedAvailability._meta.db_table
    with connection.cursor() as cursor:
        # Names from _meta; the city is a parameter.
        cursor.execute(
            f"""
            SELECT (SELECT count(*) FROM {kinds} WHERE city_id = %(c)s),
                   (SELECT count(*) FROM {facilities} WHERE city_id = %(c)s),
                   greatest(
                     (SELECT max(updated_at) FROM {facilities} WHERE city_id = %(c)s),
                     (SELECT max(updated_at) FROM {beds} WHERE city_id = %(c)s))
            """,  # noqa: S608
            {"c": city_id},
        )
        kind_count, rows, latest = cursor.fetchone()
    return kind_count, rows, latest


def _downloads(source: LayerSource) -> list[Download]:
    slug = City.objects.filter(pk=source.city_id).values_list("slug", flat=True)[0]
    return [
        Download(
            reverse("facilities-api:export-csv", kwargs={"city_slug": slug}),
            "text/csv",
            "CSV",
            "csv",
        )
    ]


def facility_source(
    city_id: int, stamp: tuple[int, int, datetime | None] | None = None
) -> LayerSource:
    _kinds, rows, latest = stamp or _stamp(city_id)
    latest_ms = int(latest.timestamp() * 1000) if latest else 0
    t_kind = FacilityKind._meta.db_table
    t_area = AdminArea._meta.db_table
    t_agency = Agency._meta.db_table
    t_beds = BedAvailability._meta.db_table
    kind = f"(SELECT k.code FROM {t_kind} k WHERE k.id = t.kind_id)"  # noqa: S608
    kind_name = f"(SELECT k.name FROM {t_kind} k WHERE k.id = t.kind_id)"  # noqa: S608
    # Names from _meta, not from a request; the select list takes no parameters.
    kel = f"(SELECT a.name FROM {t_area} a WHERE a.id = t.kelurahan_id)"  # noqa: S608
    kec = f"(SELECT a.name FROM {t_area} a WHERE a.id = t.kecamatan_id)"  # noqa: S608
    agency = (
        f"(SELECT coalesce(nullif(g.acronym, ''), g.name) FROM {t_agency} g "  # noqa: S608
        "WHERE g.id = t.agency_id)"
    )
    bed = (
        "jsonb_build_object('type', b.bed_type, 'available', b.available, "
        "'total', b.total, 'updated', b.updated_at)"
    )
    beds = f"(SELECT jsonb_agg({bed} ORDER BY b.bed_type) FROM {t_beds} b WHERE b.facility_id = t.id)"  # noqa: S608, E501
    properties = (
        "jsonb_build_object("
        "'name', t.name, "
        f"'kind', {kind}, "
        f"'kind_name', {kind_name}, "
        "'address', t.address, "
        f"'kelurahan', {kel}, "
        f"'kecamatan', {kec}, "
        f"'agency', {agency}, "
        "'phones', array_to_string(t.phones, ', '), "
        "'services', array_to_string(t.services, ', '), "
        "'opening_hours', t.opening_hours, "
        "'hospital_class', nullif(t.hospital_class, ''), "
        "'emergency_24h', t.emergency_24h, "
        "'website', nullif(t.website, ''), "
        f"'beds', {beds}, "
        "'demo', t.demo)"
    )
    return LayerSource(
        key=KEY,
        title="Fasilitas & bantuan",
        relation=Facility._meta.db_table,
        # Health, safety and shelter: smart living.
        dimension="living",
        city_id=city_id,
        geom_column="geom",
        properties_sql=properties,
        where=("t.active",),
        queryables={
            "name": Queryable(sql="t.name", type="text", title="Nama"),
            "kind": Queryable(sql=kind, type="text", title="Jenis"),
            "emergency_24h": Queryable(
                sql="t.emergency_24h", type="boolean", title="IGD 24 jam"
            ),
        },
        version=latest_ms * 1000 + rows % 1000,
        versioned=True,
        geometry_type="Point",
        # Matches the facility_geog_gist index expression.
        geog_sql="t.geom::geography(Point,4326)",
        tile_properties=("name", "kind"),
        description="Hospitals, puskesmas, clinics, Damkar, police and evacuation "
        "points with phones, opening hours and beds (agencies keep them current).",
        style={"color": "#d7263d"},
        fields=tuple(
            {"name": name, "type": kind_, "label": id_, "labels": {"id": id_, "en": en}}
            for name, kind_, id_, en in FIELDS
        ),
        downloads=_downloads,
        license="ODbL 1.0 (OSM-derived places)",
        attribution="© OpenStreetMap contributors; city agencies",
    )


def facility_sources(city: Any, user: Any, key: str | None) -> Iterable[LayerSource]:
    """Registry provider: the public facilities layer, for everyone, in the cities
    that list kinds of facility (a city onboarded without them has no such layer)."""
    if key is not None and key != KEY:
        return []
    stamp = _stamp(city.pk)
    if not stamp[0]:
        return []
    return [facility_source(city.pk, stamp)]
