"""Observed properties are a city-kit part: the starter kit's file applies, exports
back to the same text, and bad entries are listed."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from observations.kit_parts import (
    apply_properties,
    export_properties,
    validate_properties,
)
from observations.models import ObservedProperty
from tenancy.kits import _header, kit_parts

FILE = Path(__file__).resolve().parents[2] / "kits" / "kota-tangerang"
FILE = FILE / "observed_properties.yaml"


@pytest.mark.django_db
def test_starter_kit_file_applies_and_exports_back_unchanged(city):
    text = FILE.read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    assert validate_properties(data, None) == []
    outcome = apply_properties(city, data)
    assert outcome.created == len(data)
    assert apply_properties(city, data).unchanged == len(data)
    assert ObservedProperty.objects.get(city=city, code="pm25").ispu_parameter == "pm25"
    part = next(p for p in kit_parts() if p.name == "observed_properties")
    exported = _header(part) + yaml.safe_dump(
        export_properties(city),
        allow_unicode=True,
        sort_keys=False,
        default_flow_style=False,
        width=88,
    )
    assert exported == text


def test_bad_entries_are_listed():
    problems = validate_properties(
        [
            {"code": "PM 2.5", "name": "x", "kind": "air", "unit_symbol": "u"},
            {"code": "a", "name": "a", "kind": "smell", "unit_symbol": "u"},
            {
                "code": "b",
                "name": "b",
                "kind": "air",
                "unit_symbol": "u",
                "valid_min": 5,
                "valid_max": 1,
                "ispu_parameter": "pm1",
            },
        ],
        None,
    )
    text = " ".join(problems)
    assert "lower-case" in text
    assert "smell" in text
    assert "valid_min must be below valid_max" in text
    assert "pm1" in text
