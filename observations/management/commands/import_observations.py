"""manage.py import_observations <city> <file.csv> [--dry-run]: a long-format CSV
of observations (see observations/csv_import.py), all or nothing, with progress."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from observations.csv_import import import_csv
from tenancy.models import City


class Command(BaseCommand):
    help = "Import a long-format CSV of observations (station,property,time,...)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("city", help="city slug")
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--dry-run", action="store_true", help="check and count, write nothing"
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        city = City.objects.filter(slug=opts["city"]).first()
        if city is None:
            raise CommandError(f"No city {opts['city']!r}.")
        path: Path = opts["file"]
        if not path.is_file():
            raise CommandError(f"No file {path}.")
        size = path.stat().st_size

        with path.open("rb") as stream:

            def progress(rows: int) -> None:
                done = stream.tell() / size if size else 1
                bar = "#" * int(done * 30)
                sys.stderr.write(f"\r[{bar:<30}] {done:6.1%} {rows:>10,} rows")
                sys.stderr.flush()

            report = import_csv(
                city, stream, dry_run=opts["dry_run"], progress=progress
            )
        sys.stderr.write("\n")
        if report.refused:
            for error in report.errors:
                self.stderr.write(f"line {error.line}: {error.field}: {error.message}")
            raise CommandError(
                f"Nothing written: {report.error_count} error(s) in {report.rows} rows."
            )
        verb = "would store" if report.dry_run else "stored"
        self.stdout.write(
            self.style.SUCCESS(
                f"{report.rows} rows: {verb} {report.inserted}, "
                f"{report.duplicates} already stored, {report.flagged} flagged."
            )
        )
