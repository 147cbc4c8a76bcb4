from django.urls import path, re_path

from layers.ogc import views

app_name = "ogc"
COLLECTION = "collections/<str:collection_id>"
urlpatterns = [
    path("", views.landing, name="landing"),
    path("conformance", views.conformance, name="conformance"),
    path("api", views.openapi, name="openapi"),
    path("collections", views.collections, name="collections"),
    path(COLLECTION, views.collection, name="collection"),
    path(f"{COLLECTION}/items", views.items, name="items"),
    path(f"{COLLECTION}/items/<str:feature_id>", views.item, name="item"),
    path(f"{COLLECTION}/queryables", views.queryables, name="queryables"),
    path(f"{COLLECTION}/tiles", views.tilesets, name="tilesets"),
    path(f"{COLLECTION}/tiles/WebMercatorQuad", views.tileset, name="tileset"),
    re_path(
        r"^collections/(?P<collection_id>[^/]+)/tiles/WebMercatorQuad/"
        r"(?P<z>[^/]+)/(?P<y>[^/]+)/(?P<x>[^/]+)$",
        views.ogc_tile,
        name="tile",
    ),
    path("tileMatrixSets", views.tilematrixsets, name="tilematrixsets"),
    path("tileMatrixSets/WebMercatorQuad", views.tilematrixset, name="tilematrixset"),
]
