from django.urls import URLPattern, URLResolver

app_name = "dashboard-api"
urlpatterns: list[URLPattern | URLResolver] = []
