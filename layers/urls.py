from django.urls import path

from layers import views

app_name = "layers"
urlpatterns = [
    path("", views.city_list, name="city-list"),
    path("<slug:city_slug>/", views.city_map, name="city-map"),
    path("<slug:city_slug>/map.html", views.static_map, name="static-map"),
]
