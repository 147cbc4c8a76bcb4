from django.urls import path, re_path

from reports import offline, views

app_name = "reports"
urlpatterns = [
    path("", views.submit_page, name="submit"),
    path("sw.js", offline.service_worker, name="service-worker"),
    re_path(
        r"^t/(?P<ticket>[A-Za-z2-9]{4}-[A-Za-z2-9]{4})/$",
        views.track_page,
        name="track",
    ),
    path("console/", views.console_page, name="console"),
    path(
        "console/login/",
        views.StaffLoginView.as_view(),
        name="login",
    ),
    path("photos/<int:photo_id>/<str:kind>.jpg", views.photo, name="photo"),
]
