from django.urls import URLPattern, URLResolver, path

from planner import views

app_name = "planner"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.saved_maps, name="maps"),
    path("<int:map_id>/", views.open_map, name="map"),
]
