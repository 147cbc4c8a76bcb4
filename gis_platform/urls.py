from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from django.views.i18n import JavaScriptCatalog

from gis_platform.health import healthz
from layers.api.openapi import open311 as open311_openapi
from layers.basemap import basemap_tile, map_config_js
from layers.ogc.responses import read_only

urlpatterns = [
    # Browsers ask for /favicon.ico on pages that name none (the admin).
    path(
        "favicon.ico",
        RedirectView.as_view(
            url=f"{settings.STATIC_URL}img/favicon.svg", permanent=True
        ),
    ),
    path("healthz", healthz, name="healthz"),
    # The self-hosted basemap archive and the map settings every Leaflet page loads.
    path(
        "basemap/<int:z>/<int:x>/<int:y>.<str:ext>", basemap_tile, name="basemap-tile"
    ),
    path("basemap/config.js", map_config_js, name="basemap-config"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("reports.account_urls")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("open311/v2/openapi.json", read_only(open311_openapi), name="open311-openapi"),
    path("open311/v2/", include("reports.open311.urls")),
    path("api/<slug:city_slug>/reports/", include("reports.api.urls")),
    path("ogc/<slug:city_slug>/", include("layers.ogc.urls")),
    path("tiles/<slug:city_slug>/", include("layers.ogc.tile_urls")),
    path("api/<slug:city_slug>/", include("layers.api.urls")),
    path("api/<slug:city_slug>/", include("importers.api.urls")),
    path("sta/<slug:city_slug>/v1.1/", include("observations.sta.urls")),
    path("api/<slug:city_slug>/observations/", include("observations.api_urls")),
    path("api/<slug:city_slug>/permits/", include("permits.api_urls")),
    path("api/<slug:city_slug>/jobs/", include("jobs.api_urls")),
    path("api/<slug:city_slug>/facilities/", include("facilities.api_urls")),
    path("api/<slug:city_slug>/dashboard/", include("dashboard.api_urls")),
    path("api/<slug:city_slug>/planner/", include("planner.api_urls")),
    path("<slug:city_slug>/imports/", include("importers.urls")),
    path("<slug:city_slug>/permits/", include("permits.urls")),
    path("<slug:city_slug>/jobs/", include("jobs.urls")),
    # These three own several page prefixes each: environment/, prices/, stations/ and
    # markets/; help/ and facilities/; dashboard/ and performance/; maps/ (planner).
    path("<slug:city_slug>/", include("observations.urls")),
    path("<slug:city_slug>/", include("facilities.urls")),
    path("<slug:city_slug>/", include("dashboard.urls")),
    path("<slug:city_slug>/maps/", include("planner.urls")),
    path("<slug:city_slug>/reports/", include("reports.urls")),
    path("", include("tenancy.people.urls")),
    path("", include("layers.urls")),
]
