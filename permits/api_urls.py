from django.urls import URLPattern, URLResolver, path

from permits import api_views

app_name = "permits-api"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", api_views.permits_api, name="list"),
    path("stats", api_views.stats_api, name="stats"),
    path("track", api_views.track_api, name="track"),
    path("codes", api_views.code_lists_api, name="codes"),
    path("export.csv", api_views.export_api, {"fmt": "csv"}, name="export-csv"),
    path(
        "export.geojson",
        api_views.export_api,
        {"fmt": "geojson"},
        name="export-geojson",
    ),
]
