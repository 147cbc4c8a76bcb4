from django.contrib import admin
from leaflet.admin import LeafletGeoAdmin

from layers.models import Feature, Layer
from tenancy.admin_scope import CityScoped


@admin.register(Layer)
class LayerAdmin(CityScoped, admin.ModelAdmin):
    list_display = (
        "title",
        "slug",
        "city",
        "agency",
        "dimension",
        "visibility",
        "data_version",
    )
    list_filter = ("city", "dimension", "visibility")
    search_fields = ("title", "slug")
    readonly_fields = ("data_version", "data_updated_at")


@admin.register(Feature)
class FeatureAdmin(CityScoped, LeafletGeoAdmin):
    list_display = ("id", "layer", "external_id", "updated_at", "version")
    list_filter = ("city", "layer")
    search_fields = ("external_id",)
    list_select_related = ("layer",)
    readonly_fields = ("version", "created_at", "updated_at")

    def save_model(self, request, obj, form, change) -> None:
        obj.city_id = obj.layer.city_id
        if change:
            obj.version += 1
        super().save_model(request, obj, form, change)
