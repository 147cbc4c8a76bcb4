from django.urls import path

from importers.api import views

app_name = "importers-api"
urlpatterns = [
    path(
        "layers/<slug:layer_slug>/export", views.LayerExportApi.as_view(), name="export"
    ),
    path("imports/", views.ImportListApi.as_view(), name="imports"),
    path("imports/<int:job_id>", views.ImportDetailApi.as_view(), name="import"),
    path(
        "imports/<int:job_id>/confirm",
        views.ImportConfirmApi.as_view(),
        name="import-confirm",
    ),
    path(
        "imports/<int:job_id>/cancel",
        views.ImportCancelApi.as_view(),
        name="import-cancel",
    ),
    path(
        "imports/<int:job_id>/rejected.csv",
        views.ImportRejectedApi.as_view(),
        name="import-rejected",
    ),
]
