from django.urls import path, re_path

from layers.ogc import xyz
from layers.ogc.responses import read_only

app_name = "tiles"
urlpatterns = [
    re_path(
        r"^(?P<layer>[^/]+)/(?P<z>[^/]+)/(?P<x>[^/]+)/(?P<y>[^/.]+)\.mvt$",
        read_only(xyz.tile),
        name="tile",
    ),
    path("<str:layer>.json", read_only(xyz.tilejson), name="tilejson"),
]
