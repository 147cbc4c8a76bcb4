"""manage.py ensure_observation_partitions [--months N]: create the monthly
partitions of observations for this month and the next N (run it daily)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from observations.partitions import ensure_ahead


class Command(BaseCommand):
    help = "Create the coming months' partitions of the observations table."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--months", type=int, default=3)

    def handle(self, *args: Any, **opts: Any) -> None:
        created = ensure_ahead(timezone.now().date(), opts["months"])
        names = ", ".join(f"{m:%Y-%m}" for m in created) or "none"
        self.stdout.write(f"Partitions created: {names}.")
