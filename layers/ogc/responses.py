"""Responses of the OGC APIs: exception bodies, format negotiation, error handling."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse

from layers.engine.params import BadParameter

GEOJSON = "application/geo+json"
JSON = "application/json"
OPENAPI = "application/vnd.oai.openapi+json;version=3.0"
MVT = "application/vnd.mapbox-vector-tile"
SCHEMA_JSON = "application/schema+json"


def exception(status: int, code: str, description: str) -> JsonResponse:
    """An OGC API exception (http://www.opengis.net/def/exceptions/ogcapi-...)."""
    return JsonResponse(
        {"code": code, "description": description},
        status=status,
        content_type="application/problem+json"
        if status >= 500
        else "application/json",
    )


def wants_html(request: HttpRequest) -> bool:
    f = request.GET.get("f")
    if f:
        if f not in ("json", "html", "geojson", "jsonld", "mvt"):
            raise BadParameter("f", "use f=json or f=html.")
        return f == "html"
    accept = request.headers.get("Accept", "")
    return "text/html" in accept and "json" not in accept.split(",")[0]


def json_response(
    data: Any, content_type: str = JSON, status: int = 200
) -> HttpResponse:
    return HttpResponse(
        json.dumps(data, ensure_ascii=False, default=str),
        content_type=content_type,
        status=status,
    )


def ogc_errors(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Turn bad parameters into 400 and missing things into 404, as OGC bodies."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except BadParameter as exc:
            return exception(400, "InvalidParameterValue", str(exc))
        except Http404 as exc:
            return exception(404, "NotFound", str(exc) or "Not found.")

    return wrapper
