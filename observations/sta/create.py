"""POST of Observations for devices that speak SensorThings.

`POST /sta/<city>/v1.1/Observations` with `{"Datastream": {"@iot.id": 5},
"phenomenonTime": "...", "result": 12.3}` (or `"Datastream@iot.id": 5`), or
`POST .../Datastreams(5)/Observations` without the link. Authenticated by a DRF
token (`Authorization: Token ...`) of someone who works that datastream's
thing's agency (tenancy.access.agency_work_scope: its editors and field officers,
the city's administrators). The reading goes through the one ingest path
(observations.services.ingest_rows): unit of the datastream, quality flags,
idempotency (the same reading twice is stored once and answered 200 with the
stored one), aggregates.
"""

from __future__ import annotations

import json
import re
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseBase
from rest_framework.authentication import TokenAuthentication

from gis_platform.edges import EdgeError, require_object
from gis_platform.http import NO_STORE, json_error, set_cache
from observations.models import Datastream, Flag, Observation
from observations.services import ingest_rows, parse_time
from tenancy.access import agency_work_scope
from tenancy.resolve import city_or_404

_DATASTREAM_PATH = re.compile(r"Datastreams\((\d{1,18})\)/Observations")
MAX_BODY_BYTES = 64 * 1024


def create_observation(
    request: HttpRequest, city_slug: str, path: str
) -> HttpResponseBase:
    city = city_or_404(city_slug, with_boundary=False)
    found = TokenAuthentication().authenticate(request)  # type: ignore[arg-type]
    if found is None:
        return json_error(
            "Creating observations needs a token (Authorization: Token ...).",
            status=401,
            headers={"WWW-Authenticate": "Token"},
        )
    user = found[0]
    match = _DATASTREAM_PATH.fullmatch(path)
    if path != "Observations" and match is None:
        return json_error("Only Observations may be created.", status=405)
    if len(request.body) > MAX_BODY_BYTES:
        return json_error("The body is too large for one observation.", status=413)
    try:
        body = require_object(json.loads(request.body or b"null"))
    except (ValueError, EdgeError):
        return json_error("The body must be a JSON object (one Observation).")
    stream_id = _stream_id(body, match)
    if stream_id is None:
        return json_error(
            "Name the datastream: POST to Datastreams(id)/Observations or send "
            '"Datastream": {"@iot.id": id}.',
            errors={"Datastream": "is required."},
        )
    scope = agency_work_scope(user, city)
    stream = (
        Datastream.objects.filter(city=city, pk=stream_id)
        .select_related("thing")
        .first()
    )
    if stream is None:
        return json_error("No such datastream.", status=404)
    if scope is None or not scope.covers(stream.thing.agency_id):
        return json_error(
            "You may not push observations for this datastream's agency.", status=403
        )
    time = body.get("phenomenonTime")
    if isinstance(time, str) and "/" in time:
        return json_error(
            "phenomenonTime must be one instant here, not an interval.",
            errors={"phenomenonTime": "must be an instant."},
        )
    row = {
        "datastream": stream.pk,
        "time": time,
        "value": body.get("result"),
        "unit": stream.unit_symbol,
        "result_time": body.get("resultTime"),
    }
    agencies = None if scope.all_agencies else scope.agency_ids
    report = ingest_rows(city, [row], agency_ids=agencies, create_streams=False)
    if report.refused:
        errors = {e.field: e.message for e in report.errors}
        names = {
            "time": "phenomenonTime",
            "value": "result",
            "result_time": "resultTime",
        }
        errors = {names.get(k, k): v for k, v in errors.items()}
        return json_error(next(iter(errors.values()), "Refused."), errors=errors)
    return _stored(
        request, city.slug, stream.pk, row["time"], created=report.inserted > 0
    )


def _stream_id(body: dict[str, Any], match: re.Match[str] | None) -> int | None:
    if match is not None:
        return int(match.group(1))
    link = body.get("Datastream")
    value = (
        link.get("@iot.id") if isinstance(link, dict) else body.get("Datastream@iot.id")
    )
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    if (
        isinstance(value, str)
        and value.isascii()
        and value.isdigit()
        and len(value) < 19
    ):
        return int(value)
    return None


def _stored(
    request: HttpRequest, city_slug: str, stream_id: int, time: Any, *, created: bool
) -> HttpResponse:
    """The stored observation (201 when new, 200 when it was there already)."""
    moment = parse_time(time, "phenomenonTime")
    stored = Observation.objects.get(datastream_id=stream_id, phenomenon_time=moment)
    base = request.build_absolute_uri(f"/sta/{city_slug}/v1.1/")
    link = f"{base}Observations({stored.pk})"
    document = {
        "@iot.id": stored.pk,
        "@iot.selfLink": link,
        "phenomenonTime": stored.phenomenon_time.isoformat(),
        "result": stored.result,
        "resultTime": stored.result_time.isoformat() if stored.result_time else None,
        "resultQuality": Flag.names(stored.flags) or None,
        "Datastream@iot.navigationLink": f"{link}/Datastream",
    }
    response = HttpResponse(
        json.dumps(document),
        content_type="application/json",
        status=201 if created else 200,
    )
    response["Location"] = link
    return set_cache(response, value=NO_STORE)
