"""Targets per category (dashboard.models.Target) and the colour of a figure
measured against one: green meets it, amber is close, red is not."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dashboard.models import (
    DEFAULT_FIRST_RESPONSE_HOURS,
    DEFAULT_REOPEN_PCT,
    DEFAULT_RESOLUTION_HOURS,
    DEFAULT_WITHIN_SLA_PCT,
    Target,
)
from tenancy.models import City

GREEN, AMBER, RED, NONE = "green", "amber", "red", "none"
# How far past a target is still amber: 1.5 x the hours, 10 points under a share,
# twice a reopen rate.
HOURS_AMBER = 1.5
SHARE_AMBER = 10.0
REOPEN_AMBER = 2.0


@dataclass(frozen=True)
class Goals:
    first_response_hours: int = DEFAULT_FIRST_RESPONSE_HOURS
    resolution_hours: int = DEFAULT_RESOLUTION_HOURS
    within_sla_pct: int = DEFAULT_WITHIN_SLA_PCT
    reopen_pct: int = DEFAULT_REOPEN_PCT

    @classmethod
    def of(cls, target: Target) -> Goals:
        return cls(
            target.first_response_hours,
            target.resolution_hours,
            target.within_sla_pct,
            target.reopen_pct,
        )

    def as_dict(self) -> dict[str, int]:
        return {
            "first_response_hours": self.first_response_hours,
            "resolution_hours": self.resolution_hours,
            "within_sla_pct": self.within_sla_pct,
            "reopen_pct": self.reopen_pct,
        }


def city_goals(city: City) -> tuple[Goals, dict[int, Goals]]:
    """The city's default goals and each category's own (where it has a row)."""
    default = Goals()
    per_category: dict[int, Goals] = {}
    for target in Target.objects.filter(city=city):
        if target.category_id is None:
            default = Goals.of(target)
        else:
            per_category[target.category_id] = Goals.of(target)
    return default, per_category


def hours_colour(value: float | None, goal: float) -> str:
    if value is None:
        return NONE
    if value <= goal:
        return GREEN
    return AMBER if value <= goal * HOURS_AMBER else RED


def share_colour(value: float | None, goal: float) -> str:
    if value is None:
        return NONE
    if value >= goal:
        return GREEN
    return AMBER if value >= goal - SHARE_AMBER else RED


def reopen_colour(value: float | None, goal: float) -> str:
    if value is None:
        return NONE
    if value <= goal:
        return GREEN
    return AMBER if value <= max(goal * REOPEN_AMBER, 1.0) else RED


def colours(figures: dict[str, Any], goals: Goals) -> dict[str, str]:
    """The colour of each indicator that has a target (medians and the 90th
    percentiles of this week against the hour targets)."""
    out = {}
    for name in ("median", "p90"):
        out[f"first_response_{name}_this_h"] = hours_colour(
            figures[f"first_response_{name}_this_h"], goals.first_response_hours
        )
        out[f"resolution_{name}_this_h"] = hours_colour(
            figures[f"resolution_{name}_this_h"], goals.resolution_hours
        )
    out["within_sla_pct"] = share_colour(
        figures["within_sla_pct"], goals.within_sla_pct
    )
    out["reopen_pct"] = reopen_colour(figures["reopen_pct"], goals.reopen_pct)
    out["overdue"] = GREEN if figures["overdue"] == 0 else RED
    return out
