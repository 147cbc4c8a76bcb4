"""manage.py onboard_city: create or update a city from boundary files."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tenancy.services.onboarding import FieldNames, OnboardingError, onboard_city


class Command(BaseCommand):
    help = (
        "Create or update a city, its kecamatan and kelurahan/desa from boundary files "
        "(GeoJSON, GeoPackage, Shapefile or anything GDAL reads). Validates everything "
        "first; on any error prints a report, changes nothing and exits non-zero."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help="URL name of the city, e.g. kota-gorontalo")
        parser.add_argument(
            "--kecamatan",
            required=True,
            type=Path,
            help="file of kecamatan (district) polygons",
        )
        parser.add_argument(
            "--kelurahan",
            required=True,
            type=Path,
            help="file of kelurahan/desa (village) polygons",
        )
        parser.add_argument(
            "--city",
            type=Path,
            help="file with the city outline (default: union of kecamatan)",
        )
        parser.add_argument("--name", help="city name (default: from the city file)")
        parser.add_argument(
            "--code", help="Kemendagri code (default: from the city file)"
        )
        parser.add_argument("--code-field", default="kode")
        parser.add_argument("--name-field", default="nama")
        parser.add_argument(
            "--parent-field",
            default="kode_kec",
            help="kelurahan attribute holding its kecamatan code; "
            "when absent the parent is found spatially",
        )
        parser.add_argument(
            "--kind-field",
            default="jenis",
            help="kelurahan attribute saying kelurahan or desa",
        )
        parser.add_argument(
            "--srid", type=int, help="EPSG code for files that carry no CRS"
        )
        parser.add_argument("--time-zone", default="Asia/Jakarta")
        parser.add_argument("--language", default="id", choices=["id", "en"])
        parser.add_argument(
            "--dry-run", action="store_true", help="validate and report, write nothing"
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        names = FieldNames(
            code=opts["code_field"],
            name=opts["name_field"],
            parent=opts["parent_field"],
            kind=opts["kind_field"],
        )
        try:
            report = onboard_city(
                slug=opts["slug"],
                kecamatan_path=opts["kecamatan"],
                kelurahan_path=opts["kelurahan"],
                city_path=opts["city"],
                name=opts["name"],
                code=opts["code"],
                names=names,
                srid=opts["srid"],
                time_zone=opts["time_zone"],
                language=opts["language"],
                dry_run=opts["dry_run"],
            )
        except OnboardingError as exc:
            for warning in exc.report.warnings:
                self.stderr.write(f"warning: {warning}")
            for error in exc.report.errors:
                self.stderr.write(self.style.ERROR(f"error: {error}"))
            raise CommandError(
                f"{len(exc.report.errors)} error(s); nothing was changed."
            ) from None
        for warning in report.warnings:
            self.stdout.write(self.style.WARNING(f"warning: {warning}"))
        verb = "would be" if opts["dry_run"] else "were"
        self.stdout.write(
            f"{opts['slug']}: {report.kecamatan} kecamatan, {report.kelurahan} "
            f"kelurahan/desa — {report.created} created, {report.updated} updated, "
            f"{report.unchanged} unchanged, {report.removed} removed ({verb} written)."
        )
        if not report.changed:
            self.stdout.write(
                self.style.SUCCESS("Already up to date: nothing changed.")
            )
        elif not opts["dry_run"]:
            self.stdout.write(self.style.SUCCESS("Done."))
