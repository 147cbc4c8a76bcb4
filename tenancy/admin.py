from django.contrib import admin
from leaflet.admin import LeafletGeoAdmin

from tenancy.admin_scope import CityScoped
from tenancy.models import AdminArea, Agency, City, Membership


@admin.register(City)
class CityAdmin(CityScoped, LeafletGeoAdmin):
    city_field = ""
    list_display = ("name", "slug", "code", "time_zone", "language")
    search_fields = ("name", "slug", "code")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(AdminArea)
class AdminAreaAdmin(CityScoped, LeafletGeoAdmin):
    list_display = ("name", "code", "level", "parent", "city", "area_km2")
    list_filter = ("city", "level")
    search_fields = ("name", "code")
    list_select_related = ("city", "parent")
    raw_id_fields = ("parent",)


@admin.register(Agency)
class AgencyAdmin(CityScoped, admin.ModelAdmin):
    list_display = ("name", "acronym", "city")
    list_filter = ("city",)
    search_fields = ("name", "acronym")


@admin.register(Membership)
class MembershipAdmin(CityScoped, admin.ModelAdmin):
    list_display = ("user", "city", "agency", "role")
    list_filter = ("city", "role")
    raw_id_fields = ("user",)
