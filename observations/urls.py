from django.urls import URLPattern, URLResolver, path

from observations import views

app_name = "observations"
urlpatterns: list[URLPattern | URLResolver] = [
    path("environment/", views.environment_page, name="environment"),
    path("environment/import/", views.import_page, name="import"),
    path("prices/", views.prices_page, name="prices"),
    path("stations/<slug:code>/", views.station_page, name="station"),
    path("markets/<slug:code>/", views.market_page, name="market"),
]
