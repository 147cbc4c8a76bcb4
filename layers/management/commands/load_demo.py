"""manage.py load_demo: Kota Tangerang with its agencies and OpenStreetMap places.

Idempotent: a second run changes nothing. Uses the same onboarding and import services
an operator would use for any other city.
"""

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from tqdm import tqdm

from importers.services import NewLayer, ReadOptions, import_file
from layers.models import Agency, City, Dimension, Layer
from layers.models.layer import GeometryType
from layers.services.onboarding import onboard_city

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
        "Hospitals (RSUD/RS) from OpenStreetMap.",
        "dinkes",
        Dimension.LIVING,
        "#d7263d",
    ),
    (
        "sekolah",
        "school",
        "Sekolah menengah & perguruan tinggi",
        "Senior high schools, vocational schools and universities from OpenStreetMap.",
        "dindik",
        Dimension.SOCIETY,
        "#1b998b",
    ),
    (
        "pasar",
        "market",
        "Pasar & pusat belanja",
        "Major markets, supermarkets and malls from OpenStreetMap.",
        "disperindag",
        Dimension.ECONOMY,
        "#f49d37",
    ),
    (
        "kawasan-industri",
        "industrial",
        "Kawasan industri",
        "Industrial estates and large industrial land use from OpenStreetMap.",
        "disperindag",
        Dimension.ECONOMY,
        "#6c4f3d",
    ),
    (
        "kantor-pemerintahan",
        "government_office",
        "Kantor pemerintahan",
        "Town halls and government offices from OpenStreetMap.",
        "bagian-pemerintahan",
        Dimension.GOVERNANCE,
        "#3f88c5",
    ),
]


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
        with transaction.atomic():
            agencies = {}
            for slug, name, acronym in AGENCIES:
                agencies[slug], _ = Agency.objects.get_or_create(
                    city=city, slug=slug, defaults={"name": name, "acronym": acronym}
                )
            pois = DATA / "poi" / "kota_tangerang_osm_pois.geojson"
            for slug, category, title, description, agency, dimension, colour in tqdm(
                POI_LAYERS, desc="Demo layers", unit="layer", disable=None
            ):
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
                # Replace by key: a second run finds every feature unchanged.
                result = import_file(
                    pois,
                    layer=layer,
                    new_layer=new_layer,
                    mode="replace",
                    key="poi_id",
                    options=ReadOptions(where=f"category = '{category}'"),
                )
                self.stdout.write(
                    f"  {title}: {result.read} read, {result.inserted} new, "
                    f"{result.updated} updated, {result.unchanged} unchanged"
                )
        self.stdout.write(self.style.SUCCESS("Demo city ready: /kota-tangerang/"))
