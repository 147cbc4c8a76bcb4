"""manage.py close_expired_vacancies: what the nightly task does, by hand."""

from typing import Any

from django.core.management.base import BaseCommand

from jobs.services import close_expired


class Command(BaseCommand):
    help = "Close vacancies whose closing date has passed (the nightly task)."

    def handle(self, *args: Any, **opts: Any) -> None:
        total = 0
        while (n := close_expired(batch=500)) > 0:
            total += n
            if n < 500:
                break
        self.stdout.write(f"{total} vacancies closed.")
