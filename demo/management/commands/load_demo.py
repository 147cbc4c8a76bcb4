"""manage.py load_demo: Kota Tangerang with its agencies and OpenStreetMap places.

Idempotent: a second run changes nothing. Uses the same onboarding and import services
an operator would use for any other city. The places are cleaned first
(demo/places.py): only those inside the city or within 200 m of its boundary,
without OSM's node-and-way duplicates of the same place.
"""

import json
import tempfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.translation import gettext_noop
from tqdm import tqdm

from demo.facilities import load_demo_facilities
from demo.jobs import load_demo_jobs
from demo.observations import load_demo_observations
from demo.permits import load_demo_permits
from demo.places import MARGIN_M, clean_places
from importers.services import NewLayer, ReadOptions, import_file
from layers.models import Dimension, Layer
from layers.models.layer import GeometryType
from tenancy.models import Agency, City
from tenancy.services.onboarding import onboard_city

DATA = Path(settings.BASE_DIR) / "data"
OSM = "© OpenStreetMap contributors"
ODBL = "ODbL 1.0"

AGENCIES = [
    ("dinkes", "Dinas Kesehatan", "Dinkes"),
    ("dindik", "Dinas Pendidikan", "Dindik"),
    ("disperindag", "Dinas Perindustrian dan Perdagangan", "Disperindag"),
    ("bagian-pemerintahan", "Bagian Tata Pemerintahan", "Tapem"),
    ("dinas-pu", "Dinas Pekerjaan Umum dan Penataan Ruang", "PUPR"),
    ("dlh", "Dinas Lingkungan Hidup", "DLH"),
    ("disnaker", "Dinas Ketenagakerjaan", "Disnaker"),
]

# (layer slug, OSM category, title, description, agency, dimension, colour)
POI_LAYERS = [
    (
        "rumah-sakit",
        "hospital",
        "Rumah sakit",
        gettext_noop("Hospitals (RSUD/RS) from OpenStreetMap."),
        "dinkes",
        Dimension.LIVING,
        "#d7263d",
    ),
    (
        "sekolah",
        "school",
        "Sekolah menengah & perguruan tinggi",
        gettext_noop(
            "Senior high schools, vocational schools and universities from "
            "OpenStreetMap."
        ),
        "dindik",
        Dimension.SOCIETY,
        "#1b998b",
    ),
    (
        "pasar",
        "market",
        "Pasar & pusat belanja",
        gettext_noop("Major markets, supermarkets and malls from OpenStreetMap."),
        "disperindag",
        Dimension.ECONOMY,
        "#f49d37",
    ),
    (
        "kawasan-industri",
        "industrial",
        "Kawasan industri",
        gettext_noop(
            "Industrial estates and large industrial land use from OpenStreetMap."
        ),
        "disperindag",
        Dimension.ECONOMY,
        "#6c4f3d",
    ),
    (
        "kantor-pemerintahan",
        "government_office",
        "Kantor pemerintahan",
        gettext_noop("Town halls and government offices from OpenStreetMap."),
        "bagian-pemerintahan",
        Dimension.GOVERNANCE,
        "#3f88c5",
    ),
]


# The extract's columns as people read them (label: the city's language, labels: per
# page language); ids and OSM bookkeeping stay in the data but not in popups.
POI_FIELDS = {
    "name": ("Nama", "Name", False),
    "nama_kel": ("Kelurahan", "Kelurahan", False),
    "nama_kec": ("Kecamatan", "Kecamatan", False),
    "kode_kel": ("Kode kelurahan", "Kelurahan code", True),
    "poi_id": ("ID tempat", "Place id", True),
    "category": ("Kategori OSM", "OSM category", True),
    "osm_id": ("ID OSM", "OSM id", True),
    "osm_type": ("Jenis objek OSM", "OSM object type", True),
    "needs_manual_verify": ("Perlu diperiksa", "Needs checking", True),
    "in_kota_tangerang": ("Di Kota Tangerang", "In Kota Tangerang", True),
}


def labelled(schema: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The imported schema (names and types from the file) with labels and hidden
    flags for the fields POI_FIELDS knows."""
    out = []
    for spec in schema:
        known = POI_FIELDS.get(spec["name"])
        if known is None:
            out.append(spec)
            continue
        label_id, label_en, hidden = known
        out.append(
            {
                "name": spec["name"],
                "type": spec["type"],
                "label": label_id,
                "labels": {"id": label_id, "en": label_en},
                "hidden": hidden,
            }
        )
    return out


class Command(BaseCommand):
    help = "Load the demo city (Kota Tangerang) with its agencies and OSM places."

    def handle(self, *args: Any, **opts: Any) -> None:
        boundaries = DATA / "boundaries"
        report = onboard_city(
            slug="kota-tangerang",
            city_path=boundaries / "kota_tangerang_city.geojson",
            kecamatan_path=boundaries / "kota_tangerang_kecamatan.geojson",
            kelurahan_path=boundaries / "kota_tangerang_kelurahan.geojson",
        )
        self.stdout.write(
            f"Kota Tangerang: {report.kecamatan} kecamatan, "
            f"{report.kelurahan} kelurahan "
            f"({report.created} created, {report.updated} updated, "
            f"{report.unchanged} unchanged)."
        )
        city = City.objects.get(slug="kota-tangerang")
        pois = DATA / "poi" / "kota_tangerang_osm_pois.geojson"
        places = json.loads(pois.read_text(encoding="utf-8"))["features"]
        with (
            transaction.atomic(),
            tempfile.TemporaryDirectory(prefix="petakota-demo-") as workdir,
        ):
            agencies = {}
            for slug, name, acronym in AGENCIES:
                agencies[slug], _ = Agency.objects.get_or_create(
                    city=city, slug=slug, defaults={"name": name, "acronym": acronym}
                )
            layers = tqdm(POI_LAYERS, desc="Demo layers", unit="layer", disable=None)
            for spec in layers:
                self._load_layer(city, agencies, places, Path(workdir), spec)
        jobs = load_demo_jobs(city)
        self.stdout.write(f"  Lowongan kerja: {jobs} demo vacancies created.")
        permits = load_demo_permits(city)
        self.stdout.write(f"  Perizinan: {permits} demo permits created.")
        facilities = load_demo_facilities(city)
        self.stdout.write(f"  Fasilitas: {facilities} facilities (demo values).")
        observed = load_demo_observations(city)
        self.stdout.write(
            f"  Observasi: {observed['stations']} stations, {observed['markets']} "
            f"markets, {observed['readings']} simulated readings."
        )
        self.stdout.write(self.style.SUCCESS("Demo city ready: /kota-tangerang/"))

    def _load_layer(
        self,
        city: City,
        agencies: dict[str, Agency],
        places: list[dict[str, Any]],
        workdir: Path,
        spec: tuple[str, str, str, str, str, str, str],
    ) -> None:
        slug, category, title, description, agency, dimension, colour = spec
        of_kind = [f for f in places if f["properties"]["category"] == category]
        kept = clean_places(of_kind, city.boundary)
        cleaned = workdir / f"{slug}.geojson"
        cleaned.write_text(
            json.dumps({"type": "FeatureCollection", "features": kept}),
            encoding="utf-8",
        )
        layer = Layer.objects.filter(city=city, slug=slug).first()
        new_layer = None
        if layer is None:
            new_layer = NewLayer(
                city=city,
                slug=slug,
                title=title,
                description=description,
                agency=agencies[agency],
                dimension=dimension,
                extra={
                    "geometry_type": GeometryType.POINT,
                    "style": {"color": colour},
                    "license": ODBL,
                    "attribution": OSM,
                },
            )
        # Replace by key: a second run finds every feature unchanged, and places the
        # cleaning now leaves out are removed from a layer loaded before it.
        result = import_file(
            cleaned,
            layer=layer,
            new_layer=new_layer,
            mode="replace",
            key="poi_id",
            options=ReadOptions(),
        )
        layer = Layer.objects.get(city=city, slug=slug)
        schema = labelled(layer.schema)
        if schema != layer.schema:
            layer.schema = schema
            layer.save(update_fields=["schema", "updated_at"])
        self.stdout.write(
            f"  {title}: {len(kept)} of {len(of_kind)} places kept (inside the city "
            f"or within {MARGIN_M} m, duplicates merged); {result.inserted} new, "
            f"{result.updated} updated, {result.unchanged} unchanged"
        )
