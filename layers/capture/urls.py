"""Field capture's pages, included in layers/urls.py (names `layers:capture*`)."""

from django.urls import path

from layers.capture import views

urlpatterns = [
    path("<slug:city_slug>/layers/capture/", views.capture_index, name="capture-index"),
    path(
        "<slug:city_slug>/layers/<slug:layer_slug>/capture/",
        views.capture_page,
        name="capture",
    ),
    path(
        "<slug:city_slug>/layers/<slug:layer_slug>/capture/sw.js",
        views.service_worker,
        name="capture-sw",
    ),
]
