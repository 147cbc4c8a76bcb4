from django.urls import URLPattern, URLResolver

app_name = "jobs-api"
urlpatterns: list[URLPattern | URLResolver] = []
