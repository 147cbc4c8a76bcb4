"""manage.py seed_report_categories: apply the starter kit's agencies, report
categories and routing rules to a city (Kota Tangerang's kit, kits/kota-tangerang).

Idempotent (creates and updates by code, never deletes). Run after load_demo; to
onboard a new region with everything, use `onboard_city ... --kit` instead."""

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from tenancy.kits import KitError, apply_kit, read_kit
from tenancy.models import City

STARTER_KIT = Path(settings.BASE_DIR) / "kits" / "kota-tangerang"
PARTS = ("agencies", "categories", "routing")


class Command(BaseCommand):
    help = (
        "Create or update a city's report categories (and the agencies and routing "
        "rules they name) from a kit; default: the Kota Tangerang starter kit."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--city", default="kota-tangerang")
        parser.add_argument("--kit", type=Path, default=STARTER_KIT)

    def handle(self, *args: Any, **opts: Any) -> None:
        city = City.objects.filter(slug=opts["city"]).first()
        if city is None:
            raise CommandError(f"No city {opts['city']!r}; run load_demo.")
        try:
            kit = read_kit(opts["kit"])
        except KitError as exc:
            raise CommandError(
                "The kit has problems:\n" + "\n".join(exc.problems)
            ) from None
        report = apply_kit(city, kit, only=PARTS)
        for warning in report.warnings:
            self.stdout.write(self.style.WARNING(f"warning: {warning}"))
        categories = len(kit.data("categories") or [])
        self.stdout.write(f"{categories} report categories for {city.name}.")
