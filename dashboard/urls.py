from django.urls import URLPattern, URLResolver, path

from dashboard import views

app_name = "dashboard"
urlpatterns: list[URLPattern | URLResolver] = [
    path("dashboard/", views.dashboard_page, name="dashboard"),
    path("dashboard/targets/", views.targets_page, name="targets"),
    path("performance/", views.performance_page, name="performance"),
]
