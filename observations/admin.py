from django.contrib import admin
from django.http import HttpRequest
from leaflet.admin import LeafletGeoAdmin

from observations.models import (
    Datastream,
    ObservedProperty,
    PushToken,
    Sensor,
    Thing,
)
from tenancy.admin_scope import CityScoped


@admin.register(ObservedProperty)
class ObservedPropertyAdmin(CityScoped, admin.ModelAdmin):
    list_display = ("code", "name", "kind", "unit_symbol", "city", "ceiling")
    list_filter = ("kind",)
    search_fields = ("code", "name", "name_en")


@admin.register(Sensor)
class SensorAdmin(CityScoped, admin.ModelAdmin):
    list_display = ("code", "name", "sensor_class", "city")


@admin.register(Thing)
class ThingAdmin(CityScoped, LeafletGeoAdmin):
    list_display = ("code", "name", "kind", "agency", "city", "simulated", "active")
    list_filter = ("kind", "simulated", "active")
    search_fields = ("code", "name")
    raw_id_fields = ("feature",)


@admin.register(Datastream)
class DatastreamAdmin(CityScoped, admin.ModelAdmin):
    list_display = ("name", "thing", "observed_property", "unit_symbol", "latest_time")
    readonly_fields = (
        "phenomenon_start",
        "phenomenon_end",
        "result_start",
        "result_end",
        "latest_time",
        "latest_value",
    )
    raw_id_fields = ("thing",)


@admin.register(PushToken)
class PushTokenAdmin(CityScoped, admin.ModelAdmin):
    """Tokens are made by `manage.py create_push_token` (shown once); here they can
    be revoked (active off)."""

    list_display = ("name", "agency", "city", "active", "last_used_at")
    readonly_fields = ("token_hash", "last_used_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
