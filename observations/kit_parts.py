"""Observations' part of a city kit: the observed properties (what the city's
stations measure and which staples its markets are surveyed for), with units,
labels in Indonesian and English, expected interval, valid range, ISPU parameter,
ceiling price (HET) and the week-on-week alert threshold."""

from __future__ import annotations

import math
import re
from typing import Any

from observations.models import IspuParameter, ObservedProperty, PropertyKind
from tenancy.kits import (
    Kit,
    PartOutcome,
    check_choice,
    check_text,
    check_whole,
    entries,
    in_reading_order,
    register_kit_part,
)
from tenancy.models import City

CODE = re.compile(r"^[-a-z0-9_]+$")
REQUIRED = ("code", "name", "kind", "unit_symbol")
OPTIONAL = (
    "name_en",
    "group",
    "description",
    "definition",
    "unit_code",
    "unit_name",
    "expected_interval_s",
    "valid_min",
    "valid_max",
    "ispu_parameter",
    "ceiling",
    "alert_change_pct",
)
ORDER = (*REQUIRED[:2], "name_en", "kind", "group", *REQUIRED[3:], *OPTIONAL[4:])
NUMBERS = ("valid_min", "valid_max", "ceiling", "alert_change_pct")


def export_properties(city: City) -> list[dict[str, Any]]:
    rows = []
    for p in ObservedProperty.objects.filter(city=city).order_by("order", "code"):
        item: dict[str, Any] = {
            "code": p.code,
            "name": p.name,
            "name_en": p.name_en,
            "kind": p.kind,
            "group": p.group,
            "unit_symbol": p.unit_symbol,
            "unit_code": p.unit_code,
            "unit_name": p.unit_name,
            "expected_interval_s": p.expected_interval_s,
            "valid_min": p.valid_min,
            "valid_max": p.valid_max,
            "ispu_parameter": p.ispu_parameter,
            "ceiling": p.ceiling,
            "alert_change_pct": p.alert_change_pct,
            "description": p.description,
            "definition": p.definition,
        }
        for name in NUMBERS:
            # 0 stays 0 in the file, not 0.0.
            value = item[name]
            if isinstance(value, float) and value.is_integer():
                item[name] = int(value)
        rows.append(
            in_reading_order(
                {k: v for k, v in item.items() if v not in (None, "")}, ORDER
            )
        )
    return rows


def validate_properties(data: Any, kit: Kit | None = None) -> list[str]:
    problems: list[str] = []
    ispu_seen: set[str] = set()
    for label, item in entries(
        data, problems, key="code", required=REQUIRED, optional=OPTIONAL
    ):
        code = item["code"]
        if not isinstance(code, str) or not CODE.match(code) or len(code) > 60:
            problems.append(
                f"{label}: code must be lower-case ASCII letters, digits, '-' or '_'."
            )
        for name, length in (
            ("name", 120),
            ("name_en", 120),
            ("group", 60),
            ("unit_symbol", 30),
            ("unit_code", 60),
            ("unit_name", 80),
            ("description", 5000),
            ("definition", 300),
        ):
            check_text(item, name, label, problems, length)
        check_choice(item, "kind", label, problems, [k.value for k in PropertyKind])
        check_choice(
            item,
            "ispu_parameter",
            label,
            problems,
            ["", *[p.value for p in IspuParameter]],
        )
        parameter = item.get("ispu_parameter")
        if parameter:
            if parameter in ispu_seen:
                problems.append(f"{label}: ISPU parameter {parameter} is taken.")
            ispu_seen.add(parameter)
        check_whole(item, "expected_interval_s", label, problems, 366 * 86400)
        for name in NUMBERS:
            value = item.get(name)
            if value is None:
                continue
            if (
                isinstance(value, bool)
                or not isinstance(value, int | float)
                or not math.isfinite(value)
            ):
                problems.append(f"{label}: {name} must be a number.")
        low, high = item.get("valid_min"), item.get("valid_max")
        if (
            isinstance(low, int | float)
            and isinstance(high, int | float)
            and low >= high
        ):
            problems.append(f"{label}: valid_min must be below valid_max.")
    return problems


def apply_properties(city: City, data: Any, kit: Kit | None = None) -> PartOutcome:
    outcome = PartOutcome()
    existing = {p.code: p for p in ObservedProperty.objects.filter(city=city)}
    for order, item in enumerate(data):
        values = {
            "name": item["name"],
            "name_en": item.get("name_en") or "",
            "kind": item["kind"],
            "group": item.get("group") or "",
            "unit_symbol": item["unit_symbol"],
            "unit_code": item.get("unit_code") or "",
            "unit_name": item.get("unit_name") or "",
            "expected_interval_s": item.get("expected_interval_s", 3600),
            "valid_min": item.get("valid_min"),
            "valid_max": item.get("valid_max"),
            "ispu_parameter": item.get("ispu_parameter") or "",
            "ceiling": item.get("ceiling"),
            "alert_change_pct": item.get("alert_change_pct"),
            "description": item.get("description") or "",
            "definition": item.get("definition") or "",
            "order": order,
        }
        prop = existing.get(item["code"])
        created = prop is None
        if prop is None:
            prop = ObservedProperty(city=city, code=item["code"])
        dirty = [k for k, v in values.items() if getattr(prop, k) != v]
        for key in dirty:
            setattr(prop, key, values[key])
        if created or dirty:
            prop.full_clean()
            prop.save()
        outcome.count(created=created, changed=bool(dirty))
    return outcome


def register() -> None:
    register_kit_part(
        "observed_properties",
        export=export_properties,
        validate=validate_properties,
        apply=apply_properties,
        order=50,
        description="what stations measure and which staples markets are surveyed "
        "for: unit, labels id/en, kind (air, weather, water, noise, price), "
        "expected interval between readings in seconds (older is stale), valid "
        "range, ISPU parameter, ceiling price (HET) and week-on-week alert %",
    )
