from django.urls import path

from layers.api import views

app_name = "api"
urlpatterns = [
    path("layers/", views.LayerCatalogApi.as_view(), name="layer-catalog"),
    path(
        "layers/<slug:layer_slug>/features",
        views.LayerFeaturesApi.as_view(),
        name="layer-features",
    ),
    path("boundaries/<slug:level>", views.BoundariesApi.as_view(), name="boundaries"),
]
