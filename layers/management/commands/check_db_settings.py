"""manage.py check_db_settings: the database settings known to hurt this workload
(JIT on, stock shared_buffers/work_mem, ...), as the application's sessions see them.
Exits 1 when there is something to change, so a deploy script can stop on it."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from gis_platform.health import settings_that_hurt


class Command(BaseCommand):
    help = "Report PostgreSQL settings known to hurt PetaKota's queries."
    requires_system_checks = ()

    def handle(self, *args: Any, **options: Any) -> None:
        found = settings_that_hurt()
        if not found:
            self.stdout.write(
                self.style.SUCCESS("Database settings: nothing to change")
            )
            return
        for item in found:
            self.stdout.write(
                f"{item['setting']} = {item['value']}: {item['why']}\n"
                f"  change to: {item['fix']}"
            )
        raise CommandError(f"{len(found)} database setting(s) to review.")
