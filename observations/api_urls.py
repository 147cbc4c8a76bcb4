from django.urls import URLPattern, URLResolver, path

from observations import api

app_name = "observations-api"
urlpatterns: list[URLPattern | URLResolver] = [
    path("things", api.things_api, name="things"),
    path("things/<slug:code>", api.thing_api, name="thing"),
    path("datastreams/<int:pk>/aggregates", api.aggregates_api, name="aggregates"),
    path(
        "datastreams/<int:pk>/observations.csv",
        api.observations_csv_api,
        name="observations-csv",
    ),
    path("prices", api.prices_api, name="prices"),
    path("prices/<slug:code>/disparity", api.disparity_api, name="disparity"),
    path("alerts", api.alerts_api, name="alerts"),
    path("import", api.ImportApi.as_view(), name="import"),
    path("push", api.push_api, name="push"),
]
