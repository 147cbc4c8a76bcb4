"""The submission form's values, from a multipart form or a JSON object, into a
`services.Submission` — or every field that needs something, in the request's
language.

The submit API answers a refusal with
`{"detail": "<summary>", "errors": {"<field as in the request>": "<message>"}}`;
a question's answer is named `answers.<question code>`, and a problem with the place
as a whole (missing, outside the city) `location`."""

from __future__ import annotations

import json
import math
import uuid
from typing import Any

from django.utils.translation import gettext as _

from gis_platform.edges import EdgeError, parse_float
from reports.models import Category, Channel
from reports.services import ReportError, Submission
from tenancy.models import City

TEXT = ("description", "address", "contact_name", "contact_email", "contact_phone")


def client_uuid_of(data: Any) -> uuid.UUID:
    raw = data.get("client_uuid")
    try:
        if not isinstance(raw, str):
            raise ValueError
        return uuid.UUID(raw)
    except ValueError:
        raise ReportError(_("A client id (UUID) is needed."), "client_uuid") from None


def _number(
    data: Any,
    name: str,
    errors: dict[str, str],
    low: float,
    high: float,
    out_of_range: str,
) -> float | None:
    raw = data.get(name)
    if raw is None or raw == "":
        return None
    try:
        number = parse_float(raw, name)
    except EdgeError:
        errors[name] = _("A number is needed.")
        return None
    if not low <= number <= high:
        errors[name] = out_of_range
        return None
    return number


def parse_submission(
    *,
    city: City,
    data: Any,
    files: Any,
    user: Any,
    field_report: bool,
    client_uuid: uuid.UUID,
) -> Submission:
    """A Submission to hand to `services.submit_report`, which refuses it with every
    field's message: the values this could not read (`read_errors`) and its own."""
    errors: dict[str, str] = {}
    category = None
    code = data.get("category")
    if code is None or code == "":
        pass  # the service says "Choose a category."
    elif not isinstance(code, str) or "\x00" in code:
        errors["category"] = _("Unknown category.")
    else:
        category = Category.objects.filter(city=city, code=code, active=True).first()
        if category is None:
            errors["category"] = _("Unknown category.")
    texts: dict[str, str] = {}
    for name in TEXT:
        value = data.get(name)
        if value is None:
            value = ""
        if not isinstance(value, str):
            errors[name] = _("This must be text.")
            value = ""
        texts[name] = value
    answers: Any = data.get("answers")
    if answers is None or answers == "":
        answers = {}
    if isinstance(answers, str):
        try:
            answers = json.loads(answers)
        except ValueError:
            answers = None
    if not isinstance(answers, dict):
        errors["answers"] = _("The answers are not readable.")
        answers = {}
    bad_place = _("The location is not a valid coordinate.")
    lon = _number(data, "lon", errors, -180, 180, bad_place)
    lat = _number(data, "lat", errors, -90, 90, bad_place)
    if (lon is None) != (lat is None) and not ({"lon", "lat"} & errors.keys()):
        errors["location"] = _("The location is not a valid coordinate.")
    accuracy = _number(
        data, "accuracy_m", errors, 0, math.inf, _("Must be zero or more.")
    )
    return Submission(
        category=category,
        lon=None if {"lon", "lat", "location"} & errors.keys() else lon,
        lat=None if {"lon", "lat", "location"} & errors.keys() else lat,
        accuracy_m=accuracy,
        description=texts["description"],
        client_uuid=client_uuid,
        address=texts["address"],
        answers=answers,
        contact_name=texts["contact_name"],
        contact_email=texts["contact_email"],
        contact_phone=texts["contact_phone"],
        photos=files.getlist("photos") if hasattr(files, "getlist") else [],
        channel=Channel.FIELD if field_report else Channel.WEB,
        user=user,
        read_errors=errors,
    )
