from django.urls import path

from importers import views

app_name = "importers"
urlpatterns = [
    path("", views.upload, name="upload"),
    path("<int:job_id>/", views.job_page, name="job"),
    path("<int:job_id>/confirm", views.confirm, name="confirm"),
    path("<int:job_id>/cancel", views.cancel, name="cancel"),
    path("<int:job_id>/status", views.status, name="status"),
]
