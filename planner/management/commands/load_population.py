"""manage.py load_population <city> <file>: population per kecamatan/kelurahan
from a CSV (code,population[,year]) or a boundary GeoJSON with a population
attribute (population / penduduk / jumlah_penduduk)."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from planner.population import load_population, rows_from_file
from tenancy.models import City


class Command(BaseCommand):
    help = "Load population per administrative area (CSV or boundary GeoJSON)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("city")
        parser.add_argument("file", type=Path)
        parser.add_argument("--source", default="", help="Where the figures come from.")

    def handle(self, *args: Any, **opts: Any) -> None:
        city = City.objects.filter(slug=opts["city"]).first()
        if city is None:
            raise CommandError(f"No city {opts['city']!r}.")
        path: Path = opts["file"]
        if not path.is_file():
            raise CommandError(f"No file {path}.")
        rows = rows_from_file(path)
        report = load_population(city, rows, source=opts["source"] or path.name)
        self.stdout.write(
            f"{report.loaded} areas loaded, {report.unknown_codes} unknown codes, "
            f"{report.bad_rows} rows without a population."
        )
