"""manage.py export_layer --city SLUG --layer SLUG --format F [-o PATH]."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from importers import exports
from layers.models import Layer
from tenancy.models import City


class Command(BaseCommand):
    # A data command: the project's system checks (URLs, templates, ...) cost a
    # second of start-up and say nothing about the file; `manage.py check` runs them.
    requires_system_checks: list[str] = []
    help = "Export a layer as GeoJSON, CSV, GeoPackage, zipped Shapefile or KML."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--city", required=True)
        parser.add_argument("--layer", required=True)
        parser.add_argument(
            "--format", default="geojson", choices=list(exports.FORMATS)
        )
        parser.add_argument("--coords", default="wkt", choices=["wkt", "latlon"])
        parser.add_argument("-o", "--output", help="File to write (default: ./NAME).")

    def handle(self, *args: Any, **opts: Any) -> None:
        layer = (
            Layer.objects.select_related("city")
            .filter(city__in=City.objects.filter(slug=opts["city"]), slug=opts["layer"])
            .first()
        )
        if layer is None:
            raise CommandError(f"No layer {opts['layer']!r} in city {opts['city']!r}.")
        fmt = exports.FORMATS[opts["format"]]
        target = Path(opts["output"] or exports.filename(layer, fmt))
        query = exports.export_query(layer, {})
        if fmt.key == "geojson":
            with target.open("w", encoding="utf-8") as out:
                for chunk in exports.geojson_chunks(layer, query):
                    out.write(chunk)
        elif fmt.key == "csv":
            with target.open("wb") as out:
                for data in exports.csv_chunks(layer, query, coords=opts["coords"]):
                    out.write(data)
        else:
            export = exports.TemporaryExport(layer, query, fmt)
            with export.open() as src, target.open("wb") as out:
                shutil.copyfileobj(src, out)
        self.stdout.write(self.style.SUCCESS(f"Wrote {target}"))
