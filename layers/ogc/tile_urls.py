from django.urls import path, re_path

from layers.ogc import xyz

app_name = "tiles"
urlpatterns = [
    re_path(
        r"^(?P<layer>[^/]+)/(?P<z>[^/]+)/(?P<x>[^/]+)/(?P<y>[^/.]+)\.mvt$",
        xyz.tile,
        name="tile",
    ),
    path("<str:layer>.json", xyz.tilejson, name="tilejson"),
]
