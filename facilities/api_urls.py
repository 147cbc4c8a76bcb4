from django.urls import URLPattern, URLResolver

app_name = "facilities-api"
urlpatterns: list[URLPattern | URLResolver] = []
