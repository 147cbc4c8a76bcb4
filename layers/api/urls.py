from django.urls import path

from layers.api import spatial, views

app_name = "api"
LAYER = "layers/<slug:layer_slug>"
urlpatterns = [
    path("layers/", views.LayerCatalogApi.as_view(), name="layer-catalog"),
    path(f"{LAYER}/features", views.LayerFeaturesApi.as_view(), name="layer-features"),
    path(f"{LAYER}/near", spatial.WithinDistanceApi.as_view(), name="layer-near"),
    path(f"{LAYER}/nearest", spatial.NearestApi.as_view(), name="layer-nearest"),
    path(f"{LAYER}/within", spatial.WithinAreaApi.as_view(), name="layer-within"),
    path(f"{LAYER}/counts", spatial.CountsApi.as_view(), name="layer-counts"),
    path("boundaries/<slug:level>", views.BoundariesApi.as_view(), name="boundaries"),
]
