"""manage.py export_city_kit: write a city's kit (everything but its records)."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tenancy.kits import export_city_kit
from tenancy.models import City


class Command(BaseCommand):
    help = (
        "Write a city's kit into FOLDER: agencies, report categories, routing rules, "
        "layer catalogue and settings as YAML, with kit.yaml and a README. "
        "Onboard another region with it: onboard_city ... --kit FOLDER."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("city", help="slug of the city, e.g. kota-tangerang")
        parser.add_argument("folder", type=Path)

    def handle(self, *args: Any, **opts: Any) -> None:
        city = City.objects.filter(slug=opts["city"]).first()
        if city is None:
            raise CommandError(f"No city {opts['city']!r}.")
        written = export_city_kit(city, opts["folder"])
        self.stdout.write(
            self.style.SUCCESS(
                f"{city.name}: {len(written)} files written to {opts['folder']}."
            )
        )
