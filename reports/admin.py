from django.contrib import admin, messages
from django.http import HttpRequest
from leaflet.admin import LeafletGeoAdmin

from reports import services
from reports.models import (
    Category,
    Open311Application,
    Report,
    ReportEvent,
    RoutingRule,
)
from tenancy.admin_scope import CityScoped


class RoutingRuleInline(CityScoped, admin.TabularInline):
    model = RoutingRule
    extra = 0
    raw_id_fields = ("area",)


@admin.register(Category)
class CategoryAdmin(CityScoped, admin.ModelAdmin):
    list_display = (
        "name",
        "code",
        "city",
        "agency",
        "sla_hours",
        "publicity",
        "active",
    )
    list_filter = ("city", "publicity", "active")
    search_fields = ("name", "code", "keywords")
    inlines = [RoutingRuleInline]

    def save_formset(self, request: HttpRequest, form, formset, change) -> None:
        for inline in formset.forms:
            if inline.instance and not inline.instance.city_id:
                inline.instance.city_id = form.instance.city_id
        super().save_formset(request, form, formset, change)


class ReportEventInline(CityScoped, admin.TabularInline):
    model = ReportEvent
    extra = 0
    fields = (
        "at",
        "kind",
        "from_status",
        "to_status",
        "agency",
        "actor",
        "note",
        "public",
    )
    readonly_fields = fields
    can_delete = False


@admin.register(Report)
class ReportAdmin(CityScoped, LeafletGeoAdmin):
    # Leaflet from local static files (GISModelAdmin loads OpenLayers from a CDN).
    list_display = ("ticket", "city", "category", "status", "agency", "due_at")
    list_filter = ("city", "status", "category")
    search_fields = ("ticket", "description")
    # public_geom is derived by the database from geom and the category's publicity.
    readonly_fields = (
        "ticket",
        "client_uuid",
        "public_geom",
        "created_at",
        "updated_at",
    )
    raw_id_fields = ("kelurahan", "kecamatan", "duplicate_of", "submitted_by")
    inlines = [ReportEventInline]


@admin.register(Open311Application)
class Open311ApplicationAdmin(CityScoped, admin.ModelAdmin):
    list_display = ("name", "city", "active", "created_at")
    list_filter = ("city", "active")

    def save_model(self, request: HttpRequest, obj, form, change) -> None:
        if not change:
            key = services.new_key()
            obj.key_hash = services.hash_key(key)
            messages.warning(request, f"api_key (shown once): {key}")
        super().save_model(request, obj, form, change)
