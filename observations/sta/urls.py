from django.urls import URLPattern, URLResolver

app_name = "sta"
urlpatterns: list[URLPattern | URLResolver] = []
