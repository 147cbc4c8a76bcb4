from collections.abc import Callable

from django.http.response import HttpResponseBase
from django.urls import path
from django.views import View

from layers import history_api
from layers.api import openapi, spatial, views
from layers.ogc.responses import read_only

app_name = "api"
LAYER = "layers/<slug:layer_slug>"


def get(view: type[View]) -> Callable[..., HttpResponseBase]:
    # GET-only views: another method is a 405, not a CSRF 403.
    return read_only(view.as_view())


urlpatterns = [
    path("openapi.json", read_only(openapi.layers_api), name="openapi"),
    path("layers/", get(views.LayerCatalogApi), name="layer-catalog"),
    path(f"{LAYER}/features", get(views.LayerFeaturesApi), name="layer-features"),
    path(f"{LAYER}/near", get(spatial.WithinDistanceApi), name="layer-near"),
    path(f"{LAYER}/nearest", get(spatial.NearestApi), name="layer-nearest"),
    path(f"{LAYER}/within", get(spatial.WithinAreaApi), name="layer-within"),
    path(f"{LAYER}/counts", get(spatial.CountsApi), name="layer-counts"),
    path(f"{LAYER}/history", get(history_api.LayerHistoryApi), name="layer-history"),
    path(
        f"{LAYER}/features/<str:feature_id>/history",
        get(history_api.FeatureHistoryApi),
        name="feature-history",
    ),
    path("boundaries/<slug:level>", get(views.BoundariesApi), name="boundaries"),
]
