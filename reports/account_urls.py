"""/accounts/: staff sign-in, sign-out (POST) and each role's home."""

from django.contrib.auth import views as auth_views
from django.urls import path

from reports import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.StaffLoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("profile/", views.home, name="home"),
]
