"""The history API of a layer (JSON): a feature's versions and the layer's change
log. Visibility as for the layer itself (a layer the user may not see is a 404);
private attributes are never in it; who made a change is shown to the city's staff
only (the public sees when and what)."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, JsonResponse
from django.http.response import HttpResponseBase
from django.utils.decorators import method_decorator
from django.views import View

from gis_platform import edges
from gis_platform.http import PRIVATE_REVALIDATE, set_cache
from layers import history
from layers.api.views import api_errors
from layers.choices import Visibility
from layers.models import Layer
from tenancy.access import read_scope
from tenancy.resolve import city_or_404


def visible_layer(request: HttpRequest, city_slug: str, layer_slug: str) -> Layer:
    """The layer if `request.user` may see it, else Http404 (never a 403: a hidden
    layer's existence is not told)."""
    city = city_or_404(city_slug, with_boundary=False)
    layer = (
        Layer.objects.visible_to(request.user, city)
        .filter(slug=layer_slug)
        .select_related("city")
        .first()
    )
    if layer is None:
        raise Http404("No such layer.")
    return layer


def _staff(request: HttpRequest, layer: Layer) -> bool:
    return read_scope(request.user, layer.city).internal


def _anonymise(entries: list[dict[str, Any]], staff: bool) -> list[dict[str, Any]]:
    if staff:
        return entries
    return [{**e, "user": None, "note": None, "import_job": None} for e in entries]


def _cache(response: JsonResponse, layer: Layer) -> JsonResponse:
    # History grows with every edit: revalidate each time; private unless public.
    if layer.visibility == Visibility.PUBLIC:
        return set_cache(response, public=True, max_age_s=0, vary=("Cookie",))
    return set_cache(response, value=PRIVATE_REVALIDATE, vary=("Cookie",))


class FeatureHistoryApi(View):
    """GET /api/<city>/layers/<layer>/features/<id>/history: every version of one
    feature, oldest first (geometry as GeoJSON, public properties, who, when, note)."""

    @method_decorator(api_errors)
    def get(
        self, request: HttpRequest, city_slug: str, layer_slug: str, feature_id: str
    ) -> HttpResponseBase:
        layer = visible_layer(request, city_slug, layer_slug)
        fid = edges.parse_int(feature_id, "id", minimum=1, maximum=2**63 - 1)
        versions = history.feature_versions(layer, fid)
        if versions is None:
            raise Http404("No such feature in this layer.")
        body = {
            "layer": layer.slug,
            "id": fid,
            "versions": _anonymise(versions, _staff(request, layer)),
        }
        return _cache(JsonResponse(body), layer)


class LayerHistoryApi(View):
    """GET /api/<city>/layers/<layer>/history: the change log, newest first
    (`limit`, and `cursor` from the previous page's `next`)."""

    @method_decorator(api_errors)
    def get(
        self, request: HttpRequest, city_slug: str, layer_slug: str
    ) -> HttpResponseBase:
        layer = visible_layer(request, city_slug, layer_slug)
        limit = edges.parse_int(
            request.GET.get("limit", "100"),
            "limit",
            minimum=1,
            maximum=history.MAX_CHANGES,
        )
        cursor = request.GET.get("cursor") or None
        entries, following = history.layer_changes(layer, before=cursor, limit=limit)
        body: dict[str, Any] = {
            "layer": layer.slug,
            "changes": _anonymise(entries, _staff(request, layer)),
            "next": None,
        }
        if following is not None:
            params = request.GET.copy()
            params["cursor"] = str(following)
            body["next"] = request.build_absolute_uri(
                f"{request.path}?{params.urlencode()}"
            )
        return _cache(JsonResponse(body), layer)
