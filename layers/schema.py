"""A layer's attribute schema and the validation of feature properties against it."""

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError

FIELD_TYPES = ("integer", "number", "text", "date", "boolean")


def validate_schema(schema: Any) -> list[dict[str, str]]:
    """Raise ValidationError unless `schema` is a list of {name, type[, label]}."""
    if not isinstance(schema, list):
        raise ValidationError("The attribute schema must be a list of fields.")
    seen: set[str] = set()
    for i, field in enumerate(schema):
        if not isinstance(field, dict) or not isinstance(field.get("name"), str):
            raise ValidationError(f"Field {i + 1} needs a text 'name'.")
        name = field["name"]
        if not name or name in seen:
            raise ValidationError(f"Field name {name!r} is empty or repeated.")
        seen.add(name)
        if field.get("type") not in FIELD_TYPES:
            raise ValidationError(
                f"Field {name!r} has type {field.get('type')!r}; use one of "
                f"{', '.join(FIELD_TYPES)}."
            )
    return schema


def _coerce(name: str, kind: str, value: Any) -> Any:
    if value is None:
        return None
    ok = {
        "integer": isinstance(value, int) and not isinstance(value, bool),
        "number": isinstance(value, int | float) and not isinstance(value, bool),
        "text": isinstance(value, str),
        "boolean": isinstance(value, bool),
    }
    if kind == "date":
        if isinstance(value, str):
            try:
                date.fromisoformat(value[:10])
            except ValueError:
                pass
            else:
                return value
    elif ok[kind]:
        return value
    raise ValidationError(f"Property {name!r} must be {kind}, got {value!r}.")


def clean_properties(schema: list[dict[str, str]], properties: Any) -> dict[str, Any]:
    """Check a feature's properties against the schema. An empty schema accepts any
    JSON object; otherwise unknown keys are refused and values must match types."""
    if not isinstance(properties, dict):
        raise ValidationError("Properties must be a JSON object.")
    if not schema:
        return properties
    types = {f["name"]: f["type"] for f in schema}
    unknown = sorted(set(properties) - set(types))
    if unknown:
        raise ValidationError(f"Unknown properties: {', '.join(unknown)}.")
    return {k: _coerce(k, types[k], v) for k, v in properties.items()}


def private_names(schema: Any) -> frozenset[str]:
    """Attributes marked `"private": true`: kept for the agency, never served (no
    API, tile, export or history shows them)."""
    if not isinstance(schema, list):
        return frozenset()
    return frozenset(
        f["name"] for f in schema if isinstance(f, dict) and f.get("private") is True
    )


def public_fields(schema: Any) -> list[dict[str, Any]]:
    """The schema's fields without the private ones (what any output may show)."""
    private = private_names(schema)
    return [f for f in schema or [] if f["name"] not in private]
