"""The importers' routes as gis_platform/urls.py mounts them, without the other apps'
API modules, so these tests do not depend on work in progress elsewhere."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/<slug:city_slug>/", include("importers.api.urls")),
    path("<slug:city_slug>/imports/", include("importers.urls")),
    path("", include("layers.urls")),
]
