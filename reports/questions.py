"""A category's extra questions (Open311 service attributes) and the answers to them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils.dateparse import parse_datetime

DATATYPES = (
    "string",
    "number",
    "datetime",
    "text",
    "singlevaluelist",
    "multivaluelist",
)
LISTS = ("singlevaluelist", "multivaluelist")
MAX_ANSWER_CHARS = 2000


def validate_questions(questions: Any) -> None:
    """Raise ValueError unless `questions` is a well-formed list of questions."""
    if not isinstance(questions, list):
        raise ValueError("Questions must be a list.")
    seen = set()
    for q in questions:
        if (
            not isinstance(q, dict)
            or not isinstance(q.get("code"), str)
            or not q["code"]
        ):
            raise ValueError("Every question needs a code.")
        if q["code"] in seen:
            raise ValueError(f"Question code {q['code']!r} appears twice.")
        seen.add(q["code"])
        if q.get("datatype") not in DATATYPES:
            raise ValueError(f"Question {q['code']!r}: unknown datatype.")
        if q["datatype"] in LISTS:
            choices = q.get("choices")
            if not isinstance(choices, list) or not choices:
                raise ValueError(f"Question {q['code']!r} needs choices.")
            for c in choices:
                if not isinstance(c, dict) or "key" not in c or "name" not in c:
                    raise ValueError(f"Question {q['code']!r}: choice needs key, name.")


def clean_answers(questions: list[dict], raw: dict[str, Any]) -> dict[str, Any]:
    """Check answers against the questions; return the cleaned dict or raise
    ValueError naming the question. Unknown codes are ignored."""
    cleaned: dict[str, Any] = {}
    for q in questions:
        code, kind = q["code"], q["datatype"]
        value = raw.get(code)
        if isinstance(value, list) and kind != "multivaluelist":
            value = value[0] if value else None
        if value is None or value == "" or value == []:
            if q.get("required"):
                raise ValueError(
                    f"{q.get('description') or code}: an answer is needed."
                )
            continue
        cleaned[code] = _clean_one(q, value)
    return cleaned


def _clean_one(q: dict, value: Any) -> Any:
    code, kind = q["code"], q["datatype"]
    label = q.get("description") or code
    if kind == "number":
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ValueError(f"{label}: a number is needed.") from None
        if number != number or number in (float("inf"), float("-inf")):
            raise ValueError(f"{label}: a number is needed.")
        return number
    if kind == "datetime":
        parsed: datetime | None = parse_datetime(str(value))
        if parsed is None:
            raise ValueError(f"{label}: a date and time is needed.")
        return parsed.isoformat()
    keys = {str(c["key"]) for c in q.get("choices", [])}
    if kind == "singlevaluelist":
        if str(value) not in keys:
            raise ValueError(f"{label}: not one of the choices.")
        return str(value)
    if kind == "multivaluelist":
        values = value if isinstance(value, list) else [value]
        if not values or any(str(v) not in keys for v in values):
            raise ValueError(f"{label}: not one of the choices.")
        return [str(v) for v in values]
    text = str(value)
    if len(text) > MAX_ANSWER_CHARS:
        raise ValueError(f"{label}: too long.")
    return text
