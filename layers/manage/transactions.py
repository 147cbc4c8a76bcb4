"""OGC API Features Part 4 (create, replace, update, delete) on a feature layer's
`/collections/<layer>/items`: POST (201 + Location), PUT, PATCH (JSON merge patch),
DELETE; GET keeps serving Parts 1-3 (layers/ogc/views.py) and adds the item's
strong ETag, which PUT/PATCH/DELETE must send back in If-Match (missing: 428,
stale: 412, and nothing changes).

Who: users tenancy.access.may_edit_layer allows (the owner agency's editors, the
city's administrators) and, for POST/PUT/PATCH, the owner agency's field officers
(may_capture_features: the field-capture page, layers/capture/), signed in with
a session (and its CSRF token) or a DRF token (`Authorization: Token ...`). A
layer the user may not see is a 404, one they may see but not edit a 403. Writes
go through layers/manage/features.py.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from uuid import UUID

from django.db import DataError, transaction
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.exceptions import APIException
from rest_framework.parsers import FormParser, JSONParser
from rest_framework.request import Request

from gis_platform.edges import EdgeError, clean_text
from gis_platform.http import NO_STORE, set_cache
from layers.manage import features as editing
from layers.models import Feature, Layer
from layers.ogc import views
from layers.ogc.responses import GEOJSON, exception, json_response
from layers.schema import private_names
from tenancy.access import may_capture_features, may_edit_layer
from tenancy.resolve import city_or_404

JSON_TYPES = (
    "application/json",
    "application/geo+json",
    "application/merge-patch+json",
)
MAX_BODY_BYTES = 5 * 1024 * 1024


class _Refused(Exception):
    def __init__(self, status: int, code: str, description: str) -> None:
        super().__init__(description)
        self.status, self.code, self.description = status, code, description


def _not_allowed(allowed: str) -> HttpResponse:
    response = exception(405, "MethodNotAllowed", "Method not allowed here.")
    response["Allow"] = allowed
    return response


class GeoJSONParser(JSONParser):
    """DRF reads the body of a session request while checking its CSRF token: it
    must know GeoJSON's media type, or a browser's PUT/POST of geo+json is a 415."""

    media_type = "application/geo+json"


def _user(request: HttpRequest) -> Any:
    """The user of a token or of a session (whose CSRF token is then checked)."""
    # Read (and keep) the body first: the CSRF check reads the form data through
    # DRF's parsers, after which the raw body could not be read any more.
    _ = request.body
    drf = Request(
        request,
        authenticators=[TokenAuthentication(), SessionAuthentication()],
        parsers=[JSONParser(), GeoJSONParser(), FormParser()],
    )
    try:
        return drf.user
    except APIException as exc:
        code = "Forbidden" if exc.status_code == 403 else "Unauthorized"
        raise _Refused(exc.status_code, code, str(exc.detail)) from exc


def _editable_layer(
    request: HttpRequest,
    city_slug: str,
    collection_id: str,
    may: Callable[[Any, Any, int | None], bool] = may_edit_layer,
) -> Layer:
    user = _user(request)
    city = city_or_404(city_slug)
    layer = Layer.objects.visible_to(user, city).filter(slug=collection_id).first()
    if layer is None:
        raise _Refused(404, "NotFound", "No such collection.")
    layer.city = city
    if not user.is_authenticated:
        raise _Refused(401, "Unauthorized", "Sign in or send a token to edit.")
    if not may(user, city, layer.agency_id):
        raise _Refused(403, "Forbidden", "You may not edit this layer.")
    return layer


def _body(request: HttpRequest) -> Any:
    content_type = request.content_type or ""
    if content_type not in JSON_TYPES:
        raise _Refused(
            415, "UnsupportedMediaType", "Send application/geo+json or JSON."
        )
    if len(request.body) > MAX_BODY_BYTES:
        raise _Refused(413, "PayloadTooLarge", "The body is too large.")
    try:
        return json.loads(request.body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise _Refused(400, "InvalidParameterValue", "The body is not JSON.") from exc


def _note(request: HttpRequest) -> str:
    return clean_text(
        request.headers.get("X-Change-Note", ""),
        "X-Change-Note",
        max_length=500,
        multiline=False,
    )


def _client_id(request: HttpRequest) -> UUID | None:
    """`X-Client-Id`: a UUID the client made for a new feature, so that sending it
    again (an offline queue's retry) never creates a second one."""
    raw = request.headers.get("X-Client-Id")
    if not raw:
        return None
    try:
        return UUID(raw)
    except ValueError as exc:
        raise EdgeError("X-Client-Id", "must be a UUID.") from exc


def feature_document(layer: Layer, feature: Feature) -> dict[str, Any]:
    """The item as clients get it: public properties only."""
    private = private_names(layer.schema)
    return {
        "type": "Feature",
        "id": feature.pk,
        "geometry": json.loads(feature.geom.geojson),
        "properties": {
            k: v for k, v in (feature.properties or {}).items() if k not in private
        },
    }


def _item_url(request: HttpRequest, layer: Layer, feature_id: int) -> str:
    return request.build_absolute_uri(
        reverse(
            "ogc:item",
            kwargs={
                "city_slug": layer.city.slug,
                "collection_id": layer.slug,
                "feature_id": str(feature_id),
            },
        )
    )


def _written(layer: Layer, feature: Feature, status: int = 200) -> HttpResponse:
    response = json_response(feature_document(layer, feature), GEOJSON, status)
    return set_cache(response, value=NO_STORE, etag=editing.item_etag(feature))


def _guarded(
    handler: Callable[[], HttpResponseBase],
) -> HttpResponseBase:
    try:
        return handler()
    except _Refused as exc:
        return exception(exc.status, exc.code, exc.description)
    except EdgeError as exc:
        return exception(400, "InvalidParameterValue", str(exc))
    except editing.PreconditionRequired as exc:
        return exception(428, "PreconditionRequired", str(exc))
    except editing.PreconditionFailed as exc:
        return exception(412, "PreconditionFailed", str(exc))
    except DataError as exc:
        return exception(400, "InvalidParameterValue", str(exc).splitlines()[0])


def _feature_id(raw: str) -> int:
    try:
        value = int(raw) if raw.isascii() and raw.isdigit() else 0
    except ValueError:
        value = 0
    if not 0 < value < 2**63:
        raise _Refused(404, "NotFound", "No such feature in this collection.")
    return value


@csrf_exempt  # a session's CSRF token is checked in _user (tokens need none)
def items_endpoint(
    request: HttpRequest, city_slug: str, collection_id: str
) -> HttpResponseBase:
    if request.method in ("GET", "HEAD"):
        return views.items(request, city_slug, collection_id)
    if request.method != "POST":
        return _not_allowed("GET, HEAD, POST")

    def create() -> HttpResponseBase:
        # The owner agency's field officers add features too (field capture).
        layer = _editable_layer(
            request, city_slug, collection_id, may=may_capture_features
        )
        feature, created = editing.create_feature(
            layer, _body(request), note=_note(request), client_id=_client_id(request)
        )
        response = _written(layer, feature, 201 if created else 200)
        response["Location"] = _item_url(request, layer, feature.pk)
        return response

    return _guarded(create)


@csrf_exempt  # a session's CSRF token is checked in _user (tokens need none)
def item_endpoint(
    request: HttpRequest, city_slug: str, collection_id: str, feature_id: str
) -> HttpResponseBase:
    if request.method in ("GET", "HEAD"):
        return _read(request, city_slug, collection_id, feature_id)
    if request.method not in ("PUT", "PATCH", "DELETE"):
        return _not_allowed("GET, HEAD, PUT, PATCH, DELETE")

    def change() -> HttpResponseBase:
        # Field officers update features; deleting stays with editors.
        may = may_edit_layer if request.method == "DELETE" else may_capture_features
        layer = _editable_layer(request, city_slug, collection_id, may=may)
        fid = _feature_id(feature_id)
        note = _note(request)
        body = _body(request) if request.method != "DELETE" else None
        if_match = request.headers.get("If-Match")
        with transaction.atomic():
            feature = editing.locked_feature(layer, fid)
            if feature is None:
                raise _Refused(404, "NotFound", "No such feature in this collection.")
            if request.method == "DELETE":
                editing.delete_feature(feature, if_match=if_match, note=note)
                return HttpResponse(status=204)
            if request.method == "PUT":
                feature = editing.replace_feature(
                    feature, layer, body, if_match=if_match, note=note
                )
            else:
                feature = editing.patch_feature(
                    feature, layer, body, if_match=if_match, note=note
                )
        return _written(layer, feature)

    return _guarded(change)


def _read(
    request: HttpRequest, city_slug: str, collection_id: str, feature_id: str
) -> HttpResponseBase:
    """Part 1's item, with the strong ETag writes check (feature layers only)."""
    response = views.item(request, city_slug, collection_id, feature_id)
    if response.status_code != 200 or not feature_id.isascii():
        return response
    feature = (
        Feature.objects.filter(
            pk=int(feature_id) if feature_id.isdigit() else 0,
            layer__city__slug=city_slug,
            layer__slug=collection_id,
        ).first()
        if feature_id.isdigit() and len(feature_id) < 19
        else None
    )
    if feature is not None:
        set_cache(response, etag=editing.item_etag(feature))
    return response
