"""manage.py purge_imports [--days N] [--preview-hours N] [--dry-run]: delete old
finished import jobs and abandoned uploads, with their files. The worker runs the
same purge daily (importers.tasks.purge_old_jobs)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from importers.jobs import purge_jobs


class Command(BaseCommand):
    help = "Delete finished import jobs and unconfirmed uploads older than the limits."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--days",
            type=int,
            default=settings.PETAKOTA_IMPORT_RETENTION_DAYS,
            help="Finished jobs older than this many days (default: %(default)s).",
        )
        parser.add_argument(
            "--preview-hours",
            type=int,
            default=settings.PETAKOTA_IMPORT_PREVIEW_HOURS,
            help="Unconfirmed uploads older than this many hours (default: "
            "%(default)s).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Count only; delete nothing."
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["days"] < 0 or opts["preview_hours"] < 0:
            raise CommandError("--days and --preview-hours cannot be negative.")
        purged = purge_jobs(
            days=opts["days"],
            preview_hours=opts["preview_hours"],
            dry_run=opts["dry_run"],
        )
        verb = "would be deleted" if opts["dry_run"] else "deleted"
        self.stdout.write(
            f"{purged.finished} finished job(s) and {purged.abandoned} unconfirmed "
            f"upload(s) {verb}."
        )
