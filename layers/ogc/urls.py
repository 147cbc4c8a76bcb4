from django.urls import path, re_path

# Part 4 writes live beside the layer management (they need the Layer and Feature
# models, which the engine does not import); GET stays with the engine's views.
from layers.manage import transactions
from layers.ogc import views
from layers.ogc.responses import read_only

app_name = "ogc"
COLLECTION = "collections/<str:collection_id>"


urlpatterns = [
    path("", read_only(views.landing), name="landing"),
    path("conformance", read_only(views.conformance), name="conformance"),
    path("api", read_only(views.openapi), name="openapi"),
    path("collections", read_only(views.collections), name="collections"),
    path(COLLECTION, read_only(views.collection), name="collection"),
    # GET as Parts 1-3; POST/PUT/PATCH/DELETE on feature layers (Part 4).
    path(f"{COLLECTION}/items", transactions.items_endpoint, name="items"),
    path(
        f"{COLLECTION}/items/<str:feature_id>",
        transactions.item_endpoint,
        name="item",
    ),
    path(f"{COLLECTION}/queryables", read_only(views.queryables), name="queryables"),
    path(f"{COLLECTION}/tiles", read_only(views.tilesets), name="tilesets"),
    path(
        f"{COLLECTION}/tiles/WebMercatorQuad", read_only(views.tileset), name="tileset"
    ),
    re_path(
        r"^collections/(?P<collection_id>[^/]+)/tiles/WebMercatorQuad/"
        r"(?P<z>[^/]+)/(?P<y>[^/]+)/(?P<x>[^/]+)$",
        read_only(views.ogc_tile),
        name="tile",
    ),
    path("tileMatrixSets", read_only(views.tilematrixsets), name="tilematrixsets"),
    path(
        "tileMatrixSets/WebMercatorQuad",
        read_only(views.tilematrixset),
        name="tilematrixset",
    ),
]
