from django.urls import URLPattern, URLResolver

app_name = "permits-api"
urlpatterns: list[URLPattern | URLResolver] = []
