"""The jobs app's part of a city kit: the occupation code list (KBJI 2014, with the
ISCO-08 unit group it matches), `occupations.yaml`."""

from __future__ import annotations

import re
from typing import Any

from jobs.models import Occupation
from tenancy.kits import Kit, PartOutcome, check_text, entries, register_kit_part
from tenancy.models import City

# KBJI 2014 and ISCO-08 codes: 1 to 6 digits (major group ... unit group and below).
CODE = re.compile(r"^[0-9]{1,6}$")
OPTIONAL = ("name_en", "isco", "active")


def export_occupations(city: City) -> list[dict[str, Any]]:
    return [
        {
            "code": o.code,
            "name": o.name,
            "name_en": o.name_en,
            "isco": o.isco,
            "active": o.active,
        }
        for o in Occupation.objects.filter(city=city).order_by("code")
    ]


def validate_occupations(data: Any, kit: Kit) -> list[str]:
    problems: list[str] = []
    for label, item in entries(
        data, problems, key="code", required=("code", "name"), optional=OPTIONAL
    ):
        if not isinstance(item["code"], str) or not CODE.match(item["code"]):
            problems.append(f'{label}: code must be 1-6 digits in quotes, e.g. "8211".')
        isco = item.get("isco")
        if isco not in (None, "") and (
            not isinstance(isco, str) or not CODE.match(isco)
        ):
            problems.append(f"{label}: isco must be 1-6 digits in quotes.")
        check_text(item, "name", label, problems, 200)
        check_text(item, "name_en", label, problems, 200)
        if "active" in item and not isinstance(item["active"], bool):
            problems.append(f"{label}: active must be true or false.")
    return problems


def apply_occupations(city: City, data: Any, kit: Kit) -> PartOutcome:
    outcome = PartOutcome()
    existing = {o.code: o for o in Occupation.objects.filter(city=city)}
    for item in data:
        values = {
            "name": item["name"],
            "name_en": item.get("name_en") or "",
            "isco": item.get("isco") or "",
            "active": item.get("active", True),
        }
        occupation = existing.get(item["code"])
        created = occupation is None
        if occupation is None:
            occupation = Occupation(city=city, code=item["code"])
        dirty = [k for k, v in values.items() if getattr(occupation, k) != v]
        for key in dirty:
            setattr(occupation, key, values[key])
        if created or dirty:
            occupation.save()
        outcome.count(created=created, changed=bool(dirty))
    return outcome


def register() -> None:
    register_kit_part(
        "occupations",
        export=export_occupations,
        validate=validate_occupations,
        apply=apply_occupations,
        order=70,
        description="the occupations job vacancies are classified by: KBJI 2014 "
        "code (quoted), name, English name and the matching ISCO-08 unit group",
    )
