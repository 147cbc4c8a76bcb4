"""manage.py backup_platform FILE: the database (pg_dump custom format) and the media
files (report photos, uploads) in one archive. See gis_platform/backup.py."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from gis_platform.backup import BackupError, backup_platform


class Command(BaseCommand):
    help = "Back up the whole platform (database and media files) into one archive."
    requires_system_checks = ()

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", type=Path, help="the archive to write (.tar)")

    def handle(self, *args: Any, **options: Any) -> None:
        self.verbosity = options["verbosity"]
        try:
            manifest = backup_platform(options["archive"], progress=self._say)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        counts = ", ".join(f"{n} {name}" for name, n in manifest["counts"].items())
        self.stdout.write(
            self.style.SUCCESS(
                f"Backed up {counts} and {manifest['media_files']} media files "
                f"to {options['archive']}"
            )
        )

    def _say(self, text: str) -> None:
        if self.verbosity:
            self.stdout.write(text)
