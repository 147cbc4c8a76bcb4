from django.urls import URLPattern, URLResolver, path

from planner import api

app_name = "planner-api"
urlpatterns: list[URLPattern | URLResolver] = [
    path("analyses", api.analyses, name="analyses"),
    path("analyses/<int:result_id>", api.analysis_detail, name="analysis"),
    path(
        "analyses/<int:result_id>/export",
        api.analysis_export,
        name="analysis-export",
    ),
    path("search", api.search, name="search"),
    path("table/<str:key>", api.table, name="table"),
    path("maps", api.maps, name="maps"),
]
