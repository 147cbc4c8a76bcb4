from django.urls import path

from tenancy.people import views

app_name = "tenancy"
urlpatterns = [
    path("<slug:city_slug>/people/", views.people_page, name="people"),
    path(
        "<slug:city_slug>/people/<int:membership_id>/remove",
        views.remove_member,
        name="people-remove",
    ),
    path(
        "accounts/set-password/<uidb64>/<token>/",
        views.SetPasswordView.as_view(),
        name="set-password",
    ),
]
