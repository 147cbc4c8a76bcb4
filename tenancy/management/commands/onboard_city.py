"""manage.py onboard_city: create or update a city from boundary files."""

import zoneinfo
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from tenancy.kit_parts import kit_language, kit_time_zone
from tenancy.kits import Kit, KitError, KitReport, apply_kit, read_kit
from tenancy.models import City
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
        parser.add_argument(
            "--time-zone",
            help="IANA time zone (default: the kit's, else from the province part "
            "of the Kemendagri code: WIB Asia/Jakarta, WITA Asia/Makassar, "
            "WIT Asia/Jayapura)",
        )
        parser.add_argument(
            "--language", choices=["id", "en"], help="default: the kit's, else id"
        )
        parser.add_argument(
            "--kit",
            type=Path,
            help="city kit folder (agencies, report categories, routing, layer "
            "catalogue; see export_city_kit), validated whole before any write, "
            "e.g. kits/kota-tangerang",
        )
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
        if opts["time_zone"]:
            try:
                zoneinfo.ZoneInfo(opts["time_zone"])
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                raise CommandError(
                    f"unknown time zone {opts['time_zone']!r} "
                    "(e.g. Asia/Jakarta, Asia/Makassar, Asia/Jayapura)."
                ) from None
        kit = self._read_kit(opts["kit"]) if opts["kit"] else None
        time_zone = opts["time_zone"] or (kit_time_zone(kit) if kit else None)
        language = opts["language"] or (kit_language(kit) if kit else None) or "id"
        kit_report = None
        try:
            with transaction.atomic():
                report = onboard_city(
                    slug=opts["slug"],
                    kecamatan_path=opts["kecamatan"],
                    kelurahan_path=opts["kelurahan"],
                    city_path=opts["city"],
                    name=opts["name"],
                    code=opts["code"],
                    names=names,
                    srid=opts["srid"],
                    time_zone=time_zone,
                    language=language,
                    dry_run=opts["dry_run"] and kit is None,
                )
                if kit is not None:
                    city = City.objects.get(slug=opts["slug"])
                    kit_report = apply_kit(city, kit)
                if opts["dry_run"]:
                    transaction.set_rollback(True)
        except ValidationError as exc:  # a kit entry the models refuse
            raise CommandError(
                f"the kit does not fit this city: {'; '.join(exc.messages)}; "
                "nothing was changed."
            ) from None
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
        changed = report.changed
        if kit_report is not None:
            changed = self._write_kit_report(kit_report) or changed
        if not changed:
            self.stdout.write(
                self.style.SUCCESS("Already up to date: nothing changed.")
            )
        elif not opts["dry_run"]:
            self.stdout.write(self.style.SUCCESS("Done."))

    def _read_kit(self, folder: Path) -> Kit:
        try:
            return read_kit(folder)
        except KitError as exc:
            for problem in exc.problems:
                self.stderr.write(self.style.ERROR(f"kit error: {problem}"))
            raise CommandError(
                f"{len(exc.problems)} problem(s) in the kit {folder}; "
                "nothing was changed."
            ) from None

    def _write_kit_report(self, kit_report: KitReport) -> bool:
        """Print what each kit part did; True when anything changed."""
        for name, outcome in kit_report.outcomes.items():
            self.stdout.write(
                f"kit {name}: {outcome.created} created, {outcome.updated} updated, "
                f"{outcome.unchanged} unchanged."
            )
        for warning in kit_report.warnings:
            self.stdout.write(self.style.WARNING(f"warning: {warning}"))
        if kit_report.warnings:
            self.stdout.write(
                f"{len(kit_report.warnings)} kit warning(s): see above; edit the "
                "kit or add the rules in the admin."
            )
        return any(o.created or o.updated for o in kit_report.outcomes.values())
