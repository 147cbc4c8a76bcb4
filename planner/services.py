"""Writes of the planner: saved maps (and keeping the results they show)."""

from __future__ import annotations

import re
from typing import Any

from django.db import transaction

from gis_platform.edges import clean_text
from planner.models import AnalysisResult, SavedMap
from tenancy.access import read_scope
from tenancy.models import City

MAX_STATE = 20_000
_ANALYSES = re.compile(r"(?:^|[#&])analysis=([0-9,]{1,200})")


def staff_may_save(user: Any, city: City) -> bool:
    """City staff (any membership there) and superusers save maps."""
    return bool(user.is_authenticated and read_scope(user, city).internal)


@transaction.atomic
def save_map(city: City, user: Any, body: dict[str, Any]) -> SavedMap:
    title = clean_text(
        body.get("title"), "title", max_length=200, multiline=False, required=True
    ).strip()
    state = clean_text(
        body.get("state"), "state", max_length=MAX_STATE, multiline=False
    ).lstrip("#")
    saved = SavedMap.objects.create(city=city, title=title, state=state, owner=user)
    # The analyses the map shows outlive their usual expiry.
    ids = [int(i) for m in _ANALYSES.findall(state) for i in m.split(",") if i]
    if ids:
        AnalysisResult.objects.filter(city=city, pk__in=ids[:20]).update(
            expires_at=None
        )
    return saved
