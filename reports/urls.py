from django.urls import path, re_path

from reports import offline, views
from reports.notifications import views as notify

app_name = "reports"
urlpatterns = [
    path("", views.submit_page, name="submit"),
    path("sw.js", offline.service_worker, name="service-worker"),
    re_path(
        r"^t/(?P<ticket>[A-Za-z2-9]{4}-[A-Za-z2-9]{4})/$",
        views.track_page,
        name="track",
    ),
    re_path(
        r"^t/(?P<ticket>[A-Za-z2-9]{4}-[A-Za-z2-9]{4})/verdict/$",
        notify.verdict,
        name="verdict",
    ),
    re_path(
        r"^t/(?P<ticket>[A-Za-z2-9]{4}-[A-Za-z2-9]{4})/follow/$",
        notify.follow_report,
        name="follow",
    ),
    path("mine/", notify.my_reports, name="mine"),
    path("mine/open/", notify.open_my_reports, name="mine-open"),
    path("follow/<str:token>/", notify.confirm_follow, name="follow-confirm"),
    path("unsubscribe/<str:token>/", notify.unsubscribe, name="unsubscribe"),
    path("console/", views.console_page, name="console"),
    path(
        "console/login/",
        views.StaffLoginView.as_view(),
        name="login",
    ),
    path("photos/<int:photo_id>/<str:kind>.jpg", views.photo, name="photo"),
]
