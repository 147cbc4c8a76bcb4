from django.urls import URLPattern, URLResolver

app_name = "planner-api"
urlpatterns: list[URLPattern | URLResolver] = []
