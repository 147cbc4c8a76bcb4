from django.urls import path, re_path

from reports.api import views

app_name = "reports-api"
TICKET = r"(?P<ticket>[A-Za-z2-9]{4}-[A-Za-z2-9]{4})"
urlpatterns = [
    path("", views.ReportSubmitApi.as_view(), name="submit"),
    path("categories", views.CategoriesApi.as_view(), name="categories"),
    path("locate", views.LocateApi.as_view(), name="locate"),
    path("nearby", views.NearbyApi.as_view(), name="nearby"),
    path("photo-location", views.PhotoLocationApi.as_view(), name="photo-location"),
    path("public.geojson", views.public_geojson, name="geojson"),
    path("console/reports", views.ConsoleListApi.as_view(), name="console-list"),
    path("console/bulk", views.ConsoleBulkApi.as_view(), name="console-bulk"),
    path("console/reports.csv", views.console_csv_export, name="console-csv"),
    re_path(
        rf"^console/reports/{TICKET}$",
        views.ConsoleDetailApi.as_view(),
        name="console-detail",
    ),
    re_path(
        rf"^console/reports/{TICKET}/action$",
        views.ConsoleActionApi.as_view(),
        name="console-action",
    ),
    re_path(rf"^{TICKET}$", views.ReportPublicApi.as_view(), name="report"),
    re_path(rf"^{TICKET}/support$", views.ReportSupportApi.as_view(), name="support"),
]
