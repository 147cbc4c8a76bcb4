"""Layers' part of a city kit: the layer catalogue (never the features)."""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError

from layers.models.layer import (
    SLUG_MAX_LENGTH,
    SLUG_PATTERN,
    Dimension,
    GeometryType,
    Layer,
    Visibility,
    slug_problem,
)
from layers.schema import validate_schema
from tenancy.kits import (
    Kit,
    PartOutcome,
    check_choice,
    check_text,
    entries,
    in_reading_order,
    kit_codes,
    register_kit_part,
)
from tenancy.models import Agency, City

FIELDS = (
    "title",
    "description",
    "dimension",
    "geometry_type",
    "agency",
    "visibility",
    "license",
    "attribution",
    "schema",
    "style",
)


FIELD_ORDER = ("name", "type", "label", "labels", "hidden")


def export_layers(city: City) -> list[dict[str, Any]]:
    layers = Layer.objects.filter(city=city).select_related("agency")
    return [
        {
            "slug": layer.slug,
            "title": layer.title,
            "description": layer.description,
            "dimension": layer.dimension,
            "geometry_type": layer.geometry_type,
            "agency": layer.agency.slug if layer.agency else None,
            "visibility": layer.visibility,
            "license": layer.license,
            "attribution": layer.attribution,
            "schema": [in_reading_order(field, FIELD_ORDER) for field in layer.schema],
            "style": layer.style,
        }
        for layer in layers.order_by("slug")
    ]


def validate_layers(data: Any, kit: Kit) -> list[str]:
    problems: list[str] = []
    agencies = kit_codes(kit, "agencies", "slug")
    for label, item in entries(
        data,
        problems,
        key="slug",
        required=("slug", "title", "dimension"),
        optional=FIELDS,
    ):
        slug = item["slug"]
        if (
            not isinstance(slug, str)
            or not re.match(SLUG_PATTERN, slug)
            or len(slug) > SLUG_MAX_LENGTH
        ):
            problems.append(
                f"{label}: slug must be ASCII letters, digits, '-' or '_' "
                f"(at most {SLUG_MAX_LENGTH})."
            )
        for name, length in (
            ("title", 200),
            ("description", 5000),
            ("license", 200),
            ("attribution", 300),
        ):
            check_text(item, name, label, problems, length)
        check_choice(item, "dimension", label, problems, list(Dimension.values))
        check_choice(item, "visibility", label, problems, list(Visibility.values))
        check_choice(item, "geometry_type", label, problems, list(GeometryType.values))
        agency = item.get("agency")
        if agency is not None and agencies is not None and agency not in agencies:
            problems.append(f"{label}: agency {agency!r} is not in agencies.yaml.")
        try:
            validate_schema(item.get("schema", []))
        except ValidationError as exc:
            problems.append(f"{label}: schema: {' '.join(exc.messages)}")
        if not isinstance(item.get("style", {}), dict):
            problems.append(f"{label}: style must be a mapping.")
    return problems


def apply_layers(city: City, data: Any, kit: Kit) -> PartOutcome:
    """Create or update catalogue entries; features are never touched."""
    outcome = PartOutcome()
    agencies = {a.slug: a for a in Agency.objects.filter(city=city)}
    existing = {layer.slug: layer for layer in Layer.objects.filter(city=city)}
    for item in data:
        values = {
            "title": item["title"],
            "description": item.get("description") or "",
            "dimension": item["dimension"],
            "geometry_type": item.get("geometry_type") or GeometryType.GEOMETRY,
            "agency": agencies.get(item["agency"]) if item.get("agency") else None,
            "visibility": item.get("visibility") or Visibility.PUBLIC,
            "license": item.get("license") or "",
            "attribution": item.get("attribution") or "",
            "schema": item.get("schema") or [],
            "style": item.get("style") or {},
        }
        layer = existing.get(item["slug"])
        created = layer is None
        if layer is None:
            problem = slug_problem(city, item["slug"])
            if problem:
                outcome.warnings.append(f"layers: {item['slug']} skipped: {problem}")
                continue
            layer = Layer(city=city, slug=item["slug"])
        dirty = [k for k, v in values.items() if getattr(layer, k) != v]
        for key in dirty:
            setattr(layer, key, values[key])
        if created or dirty:
            layer.full_clean()
            layer.save()
        outcome.count(created=created, changed=bool(dirty))
    return outcome


def register() -> None:
    register_kit_part(
        "layers",
        export=export_layers,
        validate=validate_layers,
        apply=apply_layers,
        order=20,
        description="the layer catalogue: title, smart-city dimension, agency, "
        "visibility, attribute schema and style (no features)",
    )
