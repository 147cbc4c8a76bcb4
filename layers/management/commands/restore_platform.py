"""manage.py restore_platform FILE: a backup_platform archive into the configured
database, which must be a new, empty one, and its media files into MEDIA_ROOT; the
restored row counts are checked against the archive's manifest."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from gis_platform.backup import BackupError, restore_platform


class Command(BaseCommand):
    help = "Restore a backup_platform archive into an empty database."
    requires_system_checks = ()

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", type=Path, help="a backup_platform archive")

    def handle(self, *args: Any, **options: Any) -> None:
        self.verbosity = options["verbosity"]
        try:
            manifest = restore_platform(options["archive"], progress=self._say)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        counts = ", ".join(f"{n} {name}" for name, n in manifest["counts"].items())
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored {counts} and {manifest['media_files']} media files "
                f"(backup of {manifest['created_at']})"
            )
        )

    def _say(self, text: str) -> None:
        if self.verbosity:
            self.stdout.write(text)
