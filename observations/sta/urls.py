from django.urls import URLPattern, URLResolver, path, re_path

from observations.sta import views

app_name = "sta"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.service_root, name="root"),
    re_path(r"^(?P<path>.+)$", views.resource, name="resource"),
]
