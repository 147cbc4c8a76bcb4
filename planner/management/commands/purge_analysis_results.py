"""manage.py purge_analysis_results: delete analysis results past their expiry (their
features go with them). Results a saved map shows never expire."""

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from planner.models import AnalysisResult


class Command(BaseCommand):
    help = "Delete expired analysis results (temporary layers)."

    def handle(self, *args: Any, **opts: Any) -> None:
        deleted, _ = AnalysisResult.objects.filter(
            expires_at__lt=timezone.now()
        ).delete()
        self.stdout.write(f"{deleted} rows deleted.")
