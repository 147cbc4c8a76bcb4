"""manage.py recover_imports [--stalled-seconds N]: fail the import jobs whose worker
is gone (killed mid-import, machine lost), with a clear message, and give cancelled
jobs their finish time. Run it before starting a worker; the worker also runs it every
minute (importers.tasks.recover_stalled_jobs)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from importers.jobs import recover_jobs


class Command(BaseCommand):
    help = "Fail import jobs whose worker stopped; finish cancelled ones."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--stalled-seconds",
            type=float,
            default=settings.PETAKOTA_IMPORT_STALLED_S,
            help="A worker with no heartbeat for this long is gone (default: "
            "%(default)s).",
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["stalled_seconds"] < 0:
            raise CommandError("--stalled-seconds cannot be negative.")
        recovered = recover_jobs(seconds_since_heartbeat=opts["stalled_seconds"])
        self.stdout.write(
            f"{recovered.stalled_tasks} stalled task(s) failed, {recovered.failed} "
            f"import job(s) failed, {recovered.cancelled} cancelled job(s) finished."
        )
