"""Django admin for the jobs app: Disnaker or the city's administrators register
employers and the accounts that post for them (`members`), and look at vacancies.
Moderation itself happens on /<city>/jobs/moderate/ (with its timeline)."""

from django.contrib import admin

from jobs.models import Employer, Occupation, Vacancy
from tenancy.admin_scope import CityScoped


@admin.register(Employer)
class EmployerAdmin(CityScoped, admin.ModelAdmin):
    list_display = ("name", "city", "nib", "verified", "demo")
    list_filter = ("city", "verified", "demo")
    search_fields = ("name", "nib")
    filter_horizontal = ("members",)


@admin.register(Occupation)
class OccupationAdmin(CityScoped, admin.ModelAdmin):
    list_display = ("code", "name", "isco", "city", "active")
    list_filter = ("city", "active")
    search_fields = ("code", "name", "name_en")


@admin.register(Vacancy)
class VacancyAdmin(CityScoped, admin.ModelAdmin):
    list_display = ("title", "employer", "city", "status", "posted_on", "closes_on")
    list_filter = ("city", "status", "demo")
    search_fields = ("title", "employer__name")
    raw_id_fields = ("employer", "occupation", "kelurahan", "kecamatan", "created_by")
    # Status changes go through the workflow (moderation page), not this form.
    readonly_fields = ("status", "rejection_reason", "published_at", "closed_at")
