"""manage.py import_permits <city> <file.csv|xlsx> [--map field=column ...]

Imports existing permits (idempotent on the permit number) with a progress bar and
prints one line per refused row; exits non-zero when any row was refused."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from permits.imports import MAPPABLE, import_rows, read_table
from tenancy.models import City


class Command(BaseCommand):
    help = "Import existing permits from a CSV or XLSX file into a city."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("city")
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--map",
            action="append",
            default=[],
            metavar="FIELD=COLUMN",
            help="Column for a field (fields: " + ", ".join(MAPPABLE) + ").",
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        city = City.objects.filter(slug=opts["city"]).first()
        if city is None:
            raise CommandError(f"No city {opts['city']!r}.")
        mapping = {}
        for pair in opts["map"]:
            name, sep, column = pair.partition("=")
            if not sep:
                raise CommandError(f"--map {pair!r}: write FIELD=COLUMN.")
            mapping[name.strip()] = column.strip()
        path: Path = opts["file"]
        try:
            with path.open("rb") as file:
                table = read_table(file, path.name)
            result = import_rows(
                city,
                table,
                mapping=mapping,
                progress=lambda rows: tqdm(
                    rows,
                    total=len(table.rows),
                    desc="Permits",
                    unit="row",
                    disable=None,
                    file=self.stderr,
                ),
            )
        except (OSError, ValueError) as exc:
            raise CommandError(str(exc)) from None
        for row in result.errors:
            problems = "; ".join(f"{k}: {v}" for k, v in row.errors.items())
            self.stdout.write(f"line {row.line} ({row.number or '-'}): {problems}")
        self.stdout.write(
            f"{result.created} created, {result.updated} updated, "
            f"{result.unchanged} unchanged, {len(result.errors)} refused."
        )
        if result.errors:
            raise CommandError(f"{len(result.errors)} row(s) refused (see above).")
