from django.urls import path

from layers import views
from layers.capture.urls import urlpatterns as capture_urls
from layers.manage import views as manage

app_name = "layers"
urlpatterns = [
    path("", views.city_list, name="city-list"),
    path("<slug:city_slug>/", views.city_map, name="city-map"),
    path("<slug:city_slug>/map.html", views.static_map, name="static-map"),
    # Layer management (layers/manage/): the owner agency's editors, city admins.
    path("<slug:city_slug>/layers/manage/", manage.my_layers, name="manage"),
    path(
        "<slug:city_slug>/layers/manage/<slug:layer_slug>/",
        manage.edit_layer,
        name="manage-layer",
    ),
    path(
        "<slug:city_slug>/layers/manage/<slug:layer_slug>/publish",
        manage.publish_layer,
        name="manage-publish",
    ),
    path(
        "<slug:city_slug>/layers/manage/<slug:layer_slug>/style",
        manage.edit_style,
        name="manage-style",
    ),
    path(
        "<slug:city_slug>/layers/<slug:layer_slug>/style.<str:fmt>",
        manage.style_export,
        name="style-export",
    ),
    path(
        "<slug:city_slug>/layers/manage/<slug:layer_slug>/features",
        manage.edit_features,
        name="manage-features",
    ),
    path(
        "<slug:city_slug>/layers/manage/<slug:layer_slug>/features/<int:feature_id>"
        "/restore/<int:event_id>",
        manage.restore_feature,
        name="manage-restore",
    ),
    path(
        "<slug:city_slug>/layers/manage/<slug:layer_slug>/delete",
        manage.delete_layer,
        name="manage-delete",
    ),
    # Field capture (layers/capture/): a phone page adding features offline.
    *capture_urls,
]
