from django.urls import URLPattern, URLResolver

app_name = "observations"
urlpatterns: list[URLPattern | URLResolver] = []
