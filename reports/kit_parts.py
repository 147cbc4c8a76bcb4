"""Reports' parts of a city kit: report categories and routing rules."""

from __future__ import annotations

import re
from typing import Any

from reports.models import MIN_FUZZ_M, Category, Publicity, RoutingRule
from reports.questions import validate_questions
from tenancy.kits import (
    Kit,
    PartOutcome,
    check_choice,
    check_text,
    check_whole,
    entries,
    in_reading_order,
    kit_codes,
    register_kit_part,
)
from tenancy.models import AdminArea, Agency, City

CODE = re.compile(r"^[-a-zA-Z0-9_]+$")
HOURS_MAX = 24 * 365
METRES_MAX = 50_000
CATEGORY_REQUIRED = ("code", "name")
CATEGORY_OPTIONAL = (
    "group",
    "description",
    "agency",
    "sla_hours",
    "duplicate_radius_m",
    "publicity",
    "fuzz_m",
    "keywords",
    "questions",
    "active",
)


QUESTION_ORDER = ("code", "description", "datatype", "required", "choices")


def export_categories(city: City) -> list[dict[str, Any]]:
    rows = Category.objects.filter(city=city).select_related("agency")
    return [
        {
            "code": c.code,
            "name": c.name,
            "group": c.group,
            "description": c.description,
            "agency": c.agency.slug if c.agency else None,
            "sla_hours": c.sla_hours,
            "duplicate_radius_m": c.duplicate_radius_m,
            "publicity": c.publicity,
            "fuzz_m": c.fuzz_m,
            "keywords": [k.strip() for k in c.keywords.split(",") if k.strip()],
            "questions": [in_reading_order(q, QUESTION_ORDER) for q in c.questions],
            "active": c.active,
        }
        for c in rows.order_by("order", "name", "code")
    ]


def validate_categories(data: Any, kit: Kit) -> list[str]:
    problems: list[str] = []
    agencies = kit_codes(kit, "agencies", "slug")
    publicities = [p.value for p in Publicity]
    for label, item in entries(
        data,
        problems,
        key="code",
        required=CATEGORY_REQUIRED,
        optional=CATEGORY_OPTIONAL,
    ):
        code = item["code"]
        if not isinstance(code, str) or not CODE.match(code) or len(code) > 40:
            problems.append(
                f"{label}: code must be ASCII letters, digits, '-' or '_' (at most 40)."
            )
        check_text(item, "name", label, problems, 120)
        check_text(item, "group", label, problems, 80)
        check_text(item, "description", label, problems, 5000)
        check_whole(item, "sla_hours", label, problems, HOURS_MAX)
        check_whole(item, "duplicate_radius_m", label, problems, METRES_MAX)
        check_whole(item, "fuzz_m", label, problems, METRES_MAX)
        check_choice(item, "publicity", label, problems, publicities)
        if item.get("publicity", Publicity.PUBLIC) != Publicity.PUBLIC:
            fuzz = item.get("fuzz_m", 300)
            if isinstance(fuzz, int) and fuzz < MIN_FUZZ_M:
                problems.append(
                    f"{label}: fuzz_m must be at least {MIN_FUZZ_M} for a "
                    "non-public category."
                )
        agency = item.get("agency")
        if agency is not None and agencies is not None and agency not in agencies:
            problems.append(f"{label}: agency {agency!r} is not in agencies.yaml.")
        keywords = item.get("keywords", [])
        if not isinstance(keywords, list) or not all(
            isinstance(k, str) and "," not in k for k in keywords
        ):
            problems.append(f"{label}: keywords must be a list of words.")
        elif len(",".join(keywords)) > 300:
            problems.append(f"{label}: keywords are longer than 300 characters.")
        if "active" in item and not isinstance(item["active"], bool):
            problems.append(f"{label}: active must be true or false.")
        try:
            validate_questions(item.get("questions", []))
        except ValueError as exc:
            problems.append(f"{label}: questions: {exc}")
    return problems


def apply_categories(city: City, data: Any, kit: Kit) -> PartOutcome:
    outcome = PartOutcome()
    agencies = {a.slug: a for a in Agency.objects.filter(city=city)}
    existing = {c.code: c for c in Category.objects.filter(city=city)}
    for order, item in enumerate(data):
        values = {
            "name": item["name"],
            "group": item.get("group") or "",
            "description": item.get("description") or "",
            "agency": agencies.get(item["agency"]) if item.get("agency") else None,
            "sla_hours": item.get("sla_hours", 72),
            "duplicate_radius_m": item.get("duplicate_radius_m", 50),
            "publicity": item.get("publicity", Publicity.PUBLIC),
            "fuzz_m": item.get("fuzz_m", 300),
            "keywords": ",".join(item.get("keywords", [])),
            "questions": item.get("questions", []),
            "active": item.get("active", True),
            "order": order,
        }
        category = existing.get(item["code"])
        created = category is None
        if category is None:
            category = Category(city=city, code=item["code"])
        dirty = [k for k, v in values.items() if getattr(category, k) != v]
        for key in dirty:
            setattr(category, key, values[key])
        if created or dirty:
            category.full_clean()
            category.save()
        outcome.count(created=created, changed=bool(dirty))
    return outcome


def export_routing(city: City) -> list[dict[str, Any]]:
    rules = RoutingRule.objects.filter(city=city).select_related(
        "category", "area", "agency"
    )
    return [
        {
            "category": r.category.code,
            "area": r.area.code,
            # For people reading the file; onboarding matches on the code.
            "area_name": r.area.name,
            "agency": r.agency.slug,
        }
        for r in rules.order_by("category__code", "area__code")
    ]


def validate_routing(data: Any, kit: Kit) -> list[str]:
    problems: list[str] = []
    if not isinstance(data, list):
        return ["expected a list of entries."]
    agencies = kit_codes(kit, "agencies", "slug")
    categories = kit_codes(kit, "categories", "code")
    keyed = [
        {**item, "key": f"{item.get('category')} @ {item.get('area')}"}
        if isinstance(item, dict)
        else item
        for item in data
    ]
    for label, item in entries(
        keyed,
        problems,
        key="key",
        required=("key", "category", "area", "agency"),
        optional=("area_name",),
    ):
        if not isinstance(item["area"], str):
            problems.append(
                f'{label}: area code must be text; quote it, e.g. "36.71.01".'
            )
        check_text(item, "area_name", label, problems, 200)
        if categories is not None and item["category"] not in categories:
            problems.append(
                f"{label}: category {item['category']!r} is not in categories.yaml."
            )
        if agencies is not None and item["agency"] not in agencies:
            problems.append(
                f"{label}: agency {item['agency']!r} is not in agencies.yaml."
            )
    return problems


def apply_routing(city: City, data: Any, kit: Kit) -> PartOutcome:
    """Rules whose area the city lacks are skipped and each is reported."""
    outcome = PartOutcome()
    areas = {a.code: a for a in AdminArea.objects.filter(city=city)}
    agencies = {a.slug: a for a in Agency.objects.filter(city=city)}
    categories = {c.code: c for c in Category.objects.filter(city=city)}
    existing = {
        (r.category_id, r.area_id): r for r in RoutingRule.objects.filter(city=city)
    }
    for item in data:
        area = areas.get(item["area"])
        if area is None:
            name = f" ({item['area_name']})" if item.get("area_name") else ""
            outcome.warnings.append(
                f"routing: {item['category']} in area {item['area']}{name} → "
                f"{item['agency']} not applied: {city.name} has no such area."
            )
            continue
        category, agency = categories[item["category"]], agencies[item["agency"]]
        rule = existing.get((category.pk, area.pk))
        if rule is None:
            RoutingRule.objects.create(
                city=city, category=category, area=area, agency=agency
            )
            outcome.count(created=True, changed=True)
        elif rule.agency_id != agency.pk:
            rule.agency = agency
            rule.save(update_fields=["agency"])
            outcome.count(created=False, changed=True)
        else:
            outcome.count(created=False, changed=False)
    return outcome


def register() -> None:
    register_kit_part(
        "categories",
        export=export_categories,
        validate=validate_categories,
        apply=apply_categories,
        order=30,
        description="report categories (Open311 services): questions, SLA target "
        "in hours, duplicate radius, publicity, keywords and the responsible agency",
    )
    register_kit_part(
        "routing",
        export=export_routing,
        validate=validate_routing,
        apply=apply_routing,
        order=40,
        description="in this kecamatan or kelurahan (Kemendagri code), this "
        "category goes to this agency instead of the category's own, e.g.\n"
        '- {category: sampah, area: "36.71.01", area_name: Tangerang, agency: dlh}',
    )
