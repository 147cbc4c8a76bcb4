from django.urls import URLPattern, URLResolver

app_name = "observations-api"
urlpatterns: list[URLPattern | URLResolver] = []
