from django.urls import URLPattern, URLResolver, path

from permits import views

app_name = "permits"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.public_page, name="public"),
    path("staff/", views.queue_page, name="staff-queue"),
    path("staff/new/", views.new_permit, name="staff-new"),
    path("staff/import/", views.import_page, name="staff-import"),
    path("staff/<int:pk>/", views.permit_page, name="staff-permit"),
    path("staff/<int:pk>/act", views.act, name="staff-act"),
    path("staff/documents/<int:doc_id>", views.document, name="staff-document"),
]
