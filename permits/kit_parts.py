"""Permits' parts of a city kit: the KBLI business codes the city licenses
(kbli.yaml) and its permit types (permit_types.yaml)."""

from __future__ import annotations

import re
from typing import Any

from permits.models import KBLI_PATTERN, Kbli, PermitGroup, PermitType, RiskLevel
from tenancy.kits import (
    Kit,
    PartOutcome,
    check_choice,
    check_text,
    check_whole,
    entries,
    kit_codes,
    register_kit_part,
)
from tenancy.models import Agency, City

CODE = re.compile(r"^[-a-zA-Z0-9_]+$")
KBLI = re.compile(KBLI_PATTERN)
MONTHS_MAX = 12 * 50
TYPE_OPTIONAL = ("group", "requires_kbli", "validity_months", "active")


def export_kbli(city: City) -> list[dict[str, Any]]:
    return [
        {"code": k.code, "title": k.title, "risk": k.risk or None}
        for k in Kbli.objects.filter(city=city).order_by("code")
    ]


def validate_kbli(data: Any, kit: Kit) -> list[str]:
    problems: list[str] = []
    risks = list(RiskLevel.values)
    for label, item in entries(
        data, problems, key="code", required=("code", "title"), optional=("risk",)
    ):
        if not isinstance(item["code"], str) or not KBLI.match(item["code"]):
            problems.append(f'{label}: code must be 5 digits in quotes, e.g. "47111".')
        check_text(item, "title", label, problems, 300)
        check_choice(item, "risk", label, problems, risks)
    return problems


def apply_kbli(city: City, data: Any, kit: Kit) -> PartOutcome:
    outcome = PartOutcome()
    existing = {k.code: k for k in Kbli.objects.filter(city=city)}
    for item in data:
        values = {"title": item["title"], "risk": item.get("risk") or ""}
        row = existing.get(item["code"])
        created = row is None
        if row is None:
            row = Kbli(city=city, code=item["code"])
        dirty = [k for k, v in values.items() if getattr(row, k) != v]
        for key in dirty:
            setattr(row, key, values[key])
        if created or dirty:
            row.full_clean()
            row.save()
        outcome.count(created=created, changed=bool(dirty))
    return outcome


def export_permit_types(city: City) -> list[dict[str, Any]]:
    rows = PermitType.objects.filter(city=city).select_related("agency")
    return [
        {
            "code": t.code,
            "name": t.name,
            "group": t.group,
            "agency": t.agency.slug,
            "requires_kbli": t.requires_kbli,
            "validity_months": t.validity_months,
            "active": t.active,
        }
        for t in rows.order_by("order", "name", "code")
    ]


def validate_permit_types(data: Any, kit: Kit) -> list[str]:
    problems: list[str] = []
    agencies = kit_codes(kit, "agencies", "slug")
    for label, item in entries(
        data,
        problems,
        key="code",
        required=("code", "name", "agency"),
        optional=TYPE_OPTIONAL,
    ):
        code = item["code"]
        if not isinstance(code, str) or not CODE.match(code) or len(code) > 40:
            problems.append(
                f"{label}: code must be ASCII letters, digits, '-' or '_' (at most 40)."
            )
        check_text(item, "name", label, problems, 120)
        check_choice(item, "group", label, problems, list(PermitGroup.values))
        check_whole(item, "validity_months", label, problems, MONTHS_MAX)
        for flag in ("requires_kbli", "active"):
            if flag in item and not isinstance(item[flag], bool):
                problems.append(f"{label}: {flag} must be true or false.")
        agency = item["agency"]
        if agencies is not None and agency not in agencies:
            problems.append(f"{label}: agency {agency!r} is not in agencies.yaml.")
    return problems


def apply_permit_types(city: City, data: Any, kit: Kit) -> PartOutcome:
    outcome = PartOutcome()
    agencies = {a.slug: a for a in Agency.objects.filter(city=city)}
    existing = {t.code: t for t in PermitType.objects.filter(city=city)}
    for order, item in enumerate(data):
        values = {
            "name": item["name"],
            "group": item.get("group") or PermitGroup.OTHER.value,
            "agency": agencies[item["agency"]],
            "requires_kbli": item.get("requires_kbli", False),
            "validity_months": item.get("validity_months", 0),
            "active": item.get("active", True),
            "order": order,
        }
        row = existing.get(item["code"])
        created = row is None
        if row is None:
            row = PermitType(city=city, code=item["code"])
        dirty = [k for k, v in values.items() if created or getattr(row, k) != v]
        for key in dirty:
            setattr(row, key, values[key])
        if created or dirty:
            row.full_clean()
            row.save()
        outcome.count(created=created, changed=bool(dirty))
    return outcome


def register() -> None:
    register_kit_part(
        "kbli",
        export=export_kbli,
        validate=validate_kbli,
        apply=apply_kbli,
        order=60,
        description="KBLI 2020 business codes the city licenses (5 digits, quoted) "
        "with their usual OSS-RBA risk level: R, MR, MT or T",
    )
    register_kit_part(
        "permit_types",
        export=export_permit_types,
        validate=validate_permit_types,
        apply=apply_permit_types,
        order=61,
        description="the permits the city issues: group (building, business, "
        "advertising, event, roadworks, other), issuing agency, whether a KBLI code "
        "is needed, months of validity (0: does not expire)",
    )
