"""The dashboard's part of a city kit: its targets (targets.yaml).

    - {category: "*", first_response_hours: 6, resolution_hours: 168,
       within_sla_pct: 80, reopen_pct: 5}
    - {category: jalan-rusak, first_response_hours: 3, resolution_hours: 72}

`category: "*"` is the city's default; a missing number takes the default's
(Jakarta's 6 h / 7 days when the kit names none)."""

from __future__ import annotations

from typing import Any

from dashboard.models import HOURS_MAX, Target
from dashboard.targets import Goals
from reports.models import Category
from tenancy.kits import (
    Kit,
    PartOutcome,
    check_whole,
    entries,
    kit_codes,
    register_kit_part,
)
from tenancy.models import City

DEFAULT = "*"
NUMBERS = ("first_response_hours", "resolution_hours", "within_sla_pct", "reopen_pct")
MAXIMA = {
    "first_response_hours": HOURS_MAX,
    "resolution_hours": HOURS_MAX,
    "within_sla_pct": 100,
    "reopen_pct": 100,
}


def export_targets(city: City) -> list[dict[str, Any]]:
    """The city's default (its row, or the built-in defaults) and each category's
    own targets."""
    rows = Target.objects.filter(city=city).select_related("category")
    out = [
        {
            "category": t.category.code if t.category is not None else DEFAULT,
            **{name: getattr(t, name) for name in NUMBERS},
        }
        for t in rows
    ]
    if not any(t["category"] == DEFAULT for t in out):
        out.append({"category": DEFAULT, **Goals().as_dict()})
    return sorted(out, key=lambda t: (t["category"] != DEFAULT, t["category"]))


def validate_targets(data: Any, kit: Kit) -> list[str]:
    problems: list[str] = []
    categories = kit_codes(kit, "categories", "code")
    for label, item in entries(
        data, problems, key="category", required=("category",), optional=NUMBERS
    ):
        code = item["category"]
        if not isinstance(code, str):
            problems.append(f'{label}: category must be a code or "*".')
        elif code != DEFAULT and categories is not None and code not in categories:
            problems.append(f"{label}: category {code!r} is not in categories.yaml.")
        for name in NUMBERS:
            check_whole(item, name, label, problems, MAXIMA[name])
            if name.endswith("_hours") and item.get(name) == 0:
                problems.append(f"{label}: {name} must be at least 1.")
    return problems


def apply_targets(city: City, data: Any, kit: Kit) -> PartOutcome:
    """Entries whose category the city lacks are skipped and reported."""
    outcome = PartOutcome()
    categories = {c.code: c for c in Category.objects.filter(city=city)}
    base = Goals().as_dict()
    for item in data:
        if item["category"] == DEFAULT:
            base.update({k: item[k] for k in NUMBERS if k in item})
    for item in sorted(data, key=lambda i: i["category"] != DEFAULT):
        code = item["category"]
        category = None if code == DEFAULT else categories.get(code)
        if code != DEFAULT and category is None:
            outcome.warnings.append(
                f"targets: category {code} not applied: {city.name} has no such "
                "category."
            )
            continue
        values = {name: item.get(name, base[name]) for name in NUMBERS}
        target = Target.objects.filter(city=city, category=category).first()
        if target is None:
            Target.objects.create(city=city, category=category, **values)
            outcome.count(created=True, changed=True)
            continue
        dirty = [k for k, v in values.items() if getattr(target, k) != v]
        for name in dirty:
            setattr(target, name, values[name])
        if dirty:
            target.save(update_fields=dirty)
        outcome.count(created=False, changed=bool(dirty))
    return outcome


def register() -> None:
    register_kit_part(
        "targets",
        export=export_targets,
        validate=validate_targets,
        apply=apply_targets,
        order=80,
        description="the control room's targets per report category: hours to "
        "first response and to resolution, the share resolved within the SLA (at "
        'least, %) and the reopen rate (at most, %); category "*" is the city\'s '
        "default (Jakarta's 6 h / 7 days unless set)",
    )
