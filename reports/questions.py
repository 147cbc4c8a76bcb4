"""A category's extra questions (Open311 service attributes) and the answers to them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from gis_platform.edges import EdgeError, has_control_chars, parse_float

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


class AnswerErrors(ValueError):
    """Every question whose answer is missing or wrong: `errors` maps code to message
    (in the request's language)."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(" ".join(errors.values()))
        self.errors = errors


def clean_answers(questions: list[dict], raw: Any) -> dict[str, Any]:
    """Check answers against the questions; return the cleaned dict or raise
    AnswerErrors naming each question. Unknown codes are ignored."""
    if not isinstance(raw, dict):
        raw = {}
    cleaned: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for q in questions:
        code, kind = q["code"], q["datatype"]
        value = raw.get(code)
        if isinstance(value, list) and kind != "multivaluelist":
            value = value[0] if value else None
        if value is None or value == "" or value == []:
            if q.get("required"):
                errors[code] = _("%(question)s: an answer is needed.") % {
                    "question": q.get("description") or code
                }
            continue
        try:
            cleaned[code] = _clean_one(q, value)
        except ValueError as exc:
            errors[code] = str(exc)
    if errors:
        raise AnswerErrors(errors)
    return cleaned


def _clean_one(q: dict, value: Any) -> Any:
    code, kind = q["code"], q["datatype"]
    label = q.get("description") or code
    if isinstance(value, dict) or (
        isinstance(value, list) and not all(isinstance(v, str | int) for v in value)
    ):
        raise ValueError(_("%(question)s: not a valid answer.") % {"question": label})
    if kind == "number":
        try:
            return parse_float(value, code)
        except EdgeError:
            raise ValueError(
                _("%(question)s: a number is needed.") % {"question": label}
            ) from None
    if kind == "datetime":
        try:
            parsed: datetime | None = parse_datetime(str(value))
        except ValueError:  # well-formed but impossible, e.g. 30 February
            parsed = None
        if parsed is None:
            raise ValueError(
                _("%(question)s: a date and time is needed.") % {"question": label}
            )
        return parsed.isoformat()
    keys = {str(c["key"]) for c in q.get("choices", [])}
    if kind == "singlevaluelist":
        if str(value) not in keys:
            raise ValueError(
                _("%(question)s: not one of the choices.") % {"question": label}
            )
        return str(value)
    if kind == "multivaluelist":
        values = value if isinstance(value, list) else [value]
        if not values or any(str(v) not in keys for v in values):
            raise ValueError(
                _("%(question)s: not one of the choices.") % {"question": label}
            )
        return [str(v) for v in values]
    text = str(value)
    if len(text) > MAX_ANSWER_CHARS:
        raise ValueError(_("%(question)s: too long.") % {"question": label})
    if has_control_chars(text):
        raise ValueError(
            _("%(question)s: contains characters that are not allowed.")
            % {"question": label}
        )
    return text
