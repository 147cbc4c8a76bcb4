"""Responses of the OGC APIs: exception bodies, format negotiation, error handling."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any, TypeVar

from django.db import DataError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.views.decorators.csrf import csrf_exempt

from gis_platform.edges import EdgeError
from layers.engine.params import BadParameter
from layers.history import HistoryGap

GEOJSON = "application/geo+json"
JSON = "application/json"
OPENAPI = "application/vnd.oai.openapi+json;version=3.0"
MVT = "application/vnd.mapbox-vector-tile"

ViewT = TypeVar("ViewT", bound=Callable[..., HttpResponseBase])
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


def refused_value(exc: DataError) -> str:
    """A data exception PostgreSQL raised for a request's values (class 22: an
    out-of-range number, an impossible date...) — the client's to fix. Raised before
    a response starts (see stream_feature_collection), so it is a 400, not a
    truncated 200."""
    first = (str(exc).strip().splitlines() or [""])[0][:200]
    return f"The database refused a value of this request: {first}"


def read_only(view: ViewT) -> ViewT:
    """For GET/HEAD-only views (require_safe, or a View with only `get`): exempt
    from CSRF, so another method is the 405 (with Allow) the OpenAPI documents
    promise instead of a CSRF 403. They change nothing, so CSRF protects nothing."""
    return csrf_exempt(view)


def ogc_errors(
    view: Callable[..., HttpResponseBase],
) -> Callable[..., HttpResponseBase]:
    """Turn bad parameters into 400 and missing things into 404, as OGC bodies."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            return view(request, *args, **kwargs)
        except (BadParameter, EdgeError) as exc:
            return exception(400, "InvalidParameterValue", str(exc))
        except Http404 as exc:
            return exception(404, "NotFound", str(exc) or "Not found.")
        except DataError as exc:
            return exception(400, "InvalidParameterValue", refused_value(exc))
        except HistoryGap as exc:
            return exception(409, "Conflict", str(exc))

    return wrapper
