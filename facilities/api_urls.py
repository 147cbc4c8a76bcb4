from django.urls import URLPattern, URLResolver, path

from facilities.api.views import FacilityApi, NearestApi, export_csv

app_name = "facilities-api"
urlpatterns: list[URLPattern | URLResolver] = [
    path("nearest/", NearestApi.as_view(), name="nearest"),
    path("export.csv", export_csv, name="export-csv"),
    path("<int:facility_id>/", FacilityApi.as_view(), name="facility"),
]
