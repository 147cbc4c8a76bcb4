"""OGC SensorThings API 1.1 (Sensing, read) at /sta/<city>/v1.1/, plus POST of
Observations for devices.

Reads: the service root, every entity set, entities by id, navigation paths,
`$ref`, `/property` and `/property/$value`, with $filter, $expand, $select,
$orderby, $top, $skip and $count. Each answer is one statement whose JSON
PostgreSQL builds (observations/sta/resources.py). Bad options answer 400 with
the JSON API's error body; unknown paths and entities the user may not see, 404.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.db import DataError, OperationalError, connection, transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.views.decorators.csrf import csrf_exempt
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

from gis_platform.http import json_error, set_cache
from layers.models import Layer
from observations.sta.odata import ODataError, Options, parse_options
from observations.sta.resources import (
    BadPath,
    NotFound,
    Resolved,
    fetch_one,
    fetch_page,
    resolve,
)
from observations.sta.schema import entity_sets
from observations.sta.sql import MAX_TOP, Compiler, Scope, encode_query
from tenancy.models import City
from tenancy.resolve import city_or_404

CONFORMANCE = [
    "http://www.opengis.net/spec/iot_sensing/1.1/req/datamodel",
    "http://www.opengis.net/spec/iot_sensing/1.1/req/resource-path/resource-path-to-entities",
    "http://www.opengis.net/spec/iot_sensing/1.1/req/request-data",
]
JSON_TYPE = "application/json"


def _user(request: HttpRequest) -> Any:
    """The session user, or the DRF token's user when an Authorization header is
    sent (devices and scripts)."""
    if request.headers.get("Authorization"):
        found = TokenAuthentication().authenticate(request)  # type: ignore[arg-type]
        if found is not None:
            return found[0]
    return request.user


def _scope(request: HttpRequest, city: City, user: Any) -> Scope:
    base = request.build_absolute_uri(f"/sta/{city.slug}/v1.1/")
    return Scope.of(Layer.objects.visible_to(user, city), city.pk, base)


def _answer(
    body: str, status: int = 200, content_type: str = JSON_TYPE
) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type, status=status)
    # Browser viewers on other sites may read it. With "*" a browser never sends
    # cookies cross-site, so such a page only ever sees the public answer.
    response["Access-Control-Allow-Origin"] = "*"
    # What a user sees depends on who they are: the browser only, revalidated.
    return set_cache(response, public=False, vary=("Cookie", "Authorization"))


def _guard(
    view: Callable[..., HttpResponseBase],
) -> Callable[..., HttpResponseBase]:
    """Turn the request's faults into JSON errors: 404 for unknown cities and
    entities, 400 for unreadable options, 401 for a bad token."""

    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            return view(request, *args, **kwargs)
        except Http404 as exc:
            return json_error(str(exc) or "Not found.", status=404)
        except NotFound:
            return json_error("No such entity or path.", status=404)
        except (ODataError, BadPath) as exc:
            option = getattr(exc, "option", "path")
            message = getattr(exc, "message", str(exc))
            return json_error(f"{option}: {message}", errors={option: message})
        except AuthenticationFailed as exc:
            return json_error(str(exc.detail), status=401)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


@_guard
def service_root(request: HttpRequest, city_slug: str) -> HttpResponseBase:
    if request.method not in ("GET", "HEAD"):
        return json_error("Only GET is allowed here.", status=405)
    city = city_or_404(city_slug, with_boundary=False)
    base = request.build_absolute_uri(f"/sta/{city.slug}/v1.1/")
    document = {
        "value": [{"name": e.plural, "url": base + e.plural} for e in entity_sets()],
        "serverSettings": {
            "conformance": CONFORMANCE,
        },
    }
    return _answer(json.dumps(document))


def _params(request: HttpRequest) -> dict[str, str]:
    return {key: request.GET[key] for key in request.GET}


def _next_link(request: HttpRequest, params: dict[str, str], skip: int) -> str:
    query = {**params, "$skip": str(skip)}
    return request.build_absolute_uri(request.path) + "?" + encode_query(query)


@csrf_exempt  # POST is token-authenticated only (no session, so no CSRF).
@_guard
def resource(request: HttpRequest, city_slug: str, path: str) -> HttpResponseBase:
    if request.method == "POST":
        from observations.sta.create import create_observation

        return create_observation(request, city_slug, path)
    if request.method not in ("GET", "HEAD"):
        return json_error(
            "This service reads; only Observations may be created.", status=405
        )
    city = city_or_404(city_slug, with_boundary=False)
    user = _user(request)
    params = _params(request)
    options = parse_options(params, max_top=MAX_TOP)
    compiler = Compiler(_scope(request, city, user))
    resolved = resolve(path, compiler)
    try:
        if connection.in_atomic_block:
            # Inside a caller's transaction (tests, ATOMIC_REQUESTS) a refused
            # statement must not leave that transaction aborted.
            with transaction.atomic():
                return _read(request, compiler, resolved, options, params)
        return _read(request, compiler, resolved, options, params)
    except DataError as exc:
        # A value PostgreSQL refused (e.g. a date out of its range).
        message = str(exc).splitlines()[0][:200]
        detail = f"$filter could not be evaluated: {message}"
        return json_error(detail, errors={"$filter": message})
    except OperationalError as exc:
        if "statement timeout" in str(exc):
            return json_error("The query took too long; narrow it.", status=503)
        raise


def _read(
    request: HttpRequest,
    compiler: Compiler,
    resolved: Resolved,
    options: Options,
    params: dict[str, str],
) -> HttpResponse:
    target = resolved.target
    if resolved.property is not None:
        one = Options(select=[resolved.property])
        body = json.loads(fetch_one(compiler, resolved, one))
        value = body.get(resolved.property)
        if resolved.value:
            text = value if isinstance(value, str) else json.dumps(value)
            return _answer(text, content_type="text/plain; charset=utf-8")
        return _answer(json.dumps({resolved.property: value}))
    if target.single:
        return _answer(fetch_one(compiler, resolved, options))
    page = fetch_page(compiler, resolved, options)
    parts: list[str] = []
    if page.count is not None:
        parts.append(f'"@iot.count":{page.count}')
    if page.more:
        top = options.top if options.top is not None else 100
        link = _next_link(request, {**params, "$top": str(top)}, options.skip + top)
        parts.append(f'"@iot.nextLink":{json.dumps(link)}')
    parts.append('"value":[' + ",".join(page.rows) + "]")
    return _answer("{" + ",".join(parts) + "}")
