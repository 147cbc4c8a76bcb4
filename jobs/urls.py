from django.urls import URLPattern, URLResolver, path

from jobs import views

app_name = "jobs"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.job_list, name="list"),
    path("<int:pk>/", views.vacancy_page, name="vacancy"),
    path("<int:pk>/status", views.change_status, name="status"),
    path("<int:pk>/edit/", views.edit_page, name="edit"),
    path("post/", views.post_page, name="post"),
    path("moderate/", views.moderate_page, name="moderate"),
]
