"""manage.py import_facilities <city> <file.geojson>: facilities from OSM-derived
points (the shipped data/poi extract, or an Overpass export saved as GeoJSON).

Each point's `category` (or `amenity=...`) is matched to the city's facility kinds'
`osm_tags` (kit part facility_kinds); the kind's agency owns what is imported.
Creates or updates by (source, osm_id): running it again changes nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from facilities.services import import_places
from tenancy.models import City


class Command(BaseCommand):
    help = "Import facilities (hospitals, clinics, ...) from OSM-derived points."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("city", help="city slug")
        parser.add_argument("path", type=Path, help="GeoJSON FeatureCollection")
        parser.add_argument("--source", default="osm", help="source label (osm)")

    def handle(self, *args: Any, **opts: Any) -> None:
        city = City.objects.filter(slug=opts["city"]).first()
        if city is None:
            raise CommandError(f"No city {opts['city']!r}.")
        try:
            data = json.loads(Path(opts["path"]).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise CommandError(f"{opts['path']}: {exc}") from exc
        features = data.get("features") if isinstance(data, dict) else None
        if not isinstance(features, list):
            raise CommandError(f"{opts['path']}: not a GeoJSON FeatureCollection.")
        outcome = import_places(city, features, source=opts["source"][:80])
        for line in outcome.skipped:
            self.stderr.write(f"  skipped {line}")
        self.stdout.write(
            f"{city.name}: {outcome.created} created, {outcome.updated} updated, "
            f"{outcome.unchanged} unchanged, {len(outcome.skipped)} skipped."
        )
