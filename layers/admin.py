from django.contrib import admin
from leaflet.admin import LeafletGeoAdmin

from layers.models import AdminArea, Agency, City, Feature, Layer, Membership


@admin.register(City)
class CityAdmin(LeafletGeoAdmin):
    list_display = ("name", "slug", "code", "time_zone", "language")
    search_fields = ("name", "slug", "code")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(AdminArea)
class AdminAreaAdmin(LeafletGeoAdmin):
    list_display = ("name", "code", "level", "parent", "city", "area_km2")
    list_filter = ("city", "level")
    search_fields = ("name", "code")
    list_select_related = ("city", "parent")
    raw_id_fields = ("parent",)


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ("name", "acronym", "city")
    list_filter = ("city",)
    search_fields = ("name", "acronym")


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "city", "agency", "role")
    list_filter = ("city", "role")
    raw_id_fields = ("user",)


@admin.register(Layer)
class LayerAdmin(admin.ModelAdmin):
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
class FeatureAdmin(LeafletGeoAdmin):
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
