from django.urls import URLPattern, URLResolver, path, re_path

from dashboard import api

app_name = "dashboard-api"
urlpatterns: list[URLPattern | URLResolver] = [
    path("figures", api.figures_api, name="figures"),
    path("feed", api.feed_api, name="feed"),
    re_path(
        r"^export/(?P<what>reports|timeline)\.(?P<fmt>csv|xlsx)$",
        api.export_api,
        name="export",
    ),
]
