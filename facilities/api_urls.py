from django.urls import URLPattern, URLResolver, path

from facilities.api.views import FacilityApi, NearestApi

app_name = "facilities-api"
urlpatterns: list[URLPattern | URLResolver] = [
    path("nearest/", NearestApi.as_view(), name="nearest"),
    path("<int:facility_id>/", FacilityApi.as_view(), name="facility"),
]
