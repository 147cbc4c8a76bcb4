from django.urls import URLPattern, URLResolver, path

from facilities import views

app_name = "facilities"
urlpatterns: list[URLPattern | URLResolver] = [
    path("help/", views.help_page, name="help"),
    path("help/sw.js", views.service_worker, name="service-worker"),
    path("facilities/", views.facility_list, name="list"),
    path("facilities/<int:facility_id>/edit/", views.facility_edit, name="edit"),
]
