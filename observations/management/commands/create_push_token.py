"""manage.py create_push_token <city> <agency-slug> <name>: a token an agency's
stations use to push observations; printed once, stored hashed."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from observations.tokens import create_push_token
from tenancy.models import Agency


class Command(BaseCommand):
    help = "Create a push token for an agency's stations."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("city")
        parser.add_argument("agency")
        parser.add_argument("name")

    def handle(self, *args: Any, **opts: Any) -> None:
        agency = Agency.objects.filter(
            city__slug=opts["city"], slug=opts["agency"]
        ).first()
        if agency is None:
            raise CommandError("No such agency in that city.")
        _, raw = create_push_token(agency, opts["name"])
        self.stdout.write(raw)
