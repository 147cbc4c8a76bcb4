"""manage.py import_layer PATH --city SLUG --layer SLUG [...]: import a GIS file.

Shows a progress bar, prints a summary, and exits non-zero with a clear message when
nothing could be imported (in which case nothing changed).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from importers.services import (
    MODES,
    ImportFailed,
    NewLayer,
    ReadOptions,
    import_file,
)
from layers.models import Dimension, Layer, Visibility
from tenancy.models import Agency, City


class Command(BaseCommand):
    # A data command: the project's system checks (URLs, templates, ...) cost a
    # second of start-up and say nothing about the file; `manage.py check` runs them.
    requires_system_checks: list[str] = []
    help = (
        "Import a GIS file (GeoJSON, Shapefile, GeoPackage, KML, CSV...) into a layer."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="The file, a zip, or a Shapefile folder.")
        parser.add_argument("--city", required=True, help="City slug.")
        parser.add_argument("--layer", required=True, help="Layer slug.")
        parser.add_argument(
            "--create", action="store_true", help="Create the layer if it is missing."
        )
        parser.add_argument("--title", help="Title of a created layer.")
        parser.add_argument("--agency", help="Agency slug owning a created layer.")
        parser.add_argument(
            "--dimension", default=Dimension.GOVERNANCE, choices=Dimension.values
        )
        parser.add_argument(
            "--visibility", default=Visibility.PUBLIC, choices=Visibility.values
        )
        parser.add_argument("--mode", choices=MODES, help="Default: append.")
        parser.add_argument("--key", help="Key column (kept as external_id).")
        parser.add_argument(
            "--srid", type=int, help="EPSG code when the file has no CRS."
        )
        parser.add_argument(
            "--layer-name", help="Layer inside the file (GeoPackage, KML)."
        )
        parser.add_argument("--x-column", help="CSV: longitude/x column.")
        parser.add_argument("--y-column", help="CSV: latitude/y column.")
        parser.add_argument("--wkt-column", help="CSV: WKT geometry column.")
        parser.add_argument("--dry-run", action="store_true", help="Report only.")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            city = City.objects.get(slug=opts["city"])
        except City.DoesNotExist:
            raise CommandError(f"No city {opts['city']!r}.") from None
        mode = opts["mode"] or "append"
        layer = Layer.objects.filter(city=city, slug=opts["layer"]).first()
        new_layer = None
        if layer is None or mode == "create":
            if not (opts["create"] or mode == "create"):
                raise CommandError(
                    f"No layer {opts['layer']!r} in {city}; add --create --title ..."
                )
            agency = None
            if opts["agency"]:
                agency = Agency.objects.filter(city=city, slug=opts["agency"]).first()
                if agency is None:
                    raise CommandError(f"No agency {opts['agency']!r} in {city}.")
            new_layer = NewLayer(
                city=city,
                slug=opts["layer"],
                title=opts["title"] or opts["layer"],
                agency=agency,
                dimension=opts["dimension"],
                visibility=opts["visibility"],
            )
        options = ReadOptions(
            layer_name=opts["layer_name"],
            srid=opts["srid"],
            x_column=opts["x_column"],
            y_column=opts["y_column"],
            wkt_column=opts["wkt_column"],
        )
        bar = tqdm(total=0, unit="feature", unit_scale=True, disable=None)

        def progress(phase: str, done: int, total: int) -> None:
            bar.set_description(phase)
            bar.total = total
            bar.n = done
            bar.refresh()

        try:
            report = import_file(
                Path(opts["path"]),
                layer=layer if new_layer is None else None,
                new_layer=new_layer,
                mode=mode,
                key=opts["key"],
                options=options,
                dry_run=opts["dry_run"],
                progress=progress,
            )
        except ImportFailed as exc:
            raise CommandError(str(exc)) from exc
        finally:
            bar.close()
        for warning in report.warnings:
            self.stderr.write(self.style.WARNING(f"Warning: {warning}"))
        for row, reason in report.rejected[:20]:
            self.stderr.write(f"Rejected row {row}: {reason}")
        if report.rejected_count > 20:
            self.stderr.write(
                f"... and {report.rejected_count - 20} more rejected rows."
            )
        rate = report.read / report.seconds if report.seconds else 0
        self.stdout.write(
            self.style.SUCCESS(report.summary()) + f" ({report.seconds:.1f} s, "
            f"{rate:,.0f} features/s)"
        )
