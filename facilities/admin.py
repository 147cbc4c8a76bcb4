"""Facilities in the Django admin, city by city (tenancy.admin_scope): the city's
administrators manage kinds, emergency numbers and every facility; phones are
normalised and hours checked as in the agency form."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from leaflet.admin import LeafletGeoAdmin

from facilities import opening_hours, phones
from facilities.models import BedAvailability, EmergencyContact, Facility, FacilityKind
from facilities.services import structured_hours
from reports.routing import OutsideCity, locate
from tenancy.admin_scope import CityScoped


def _normalised(value: str) -> str:
    try:
        return phones.normalise(value)
    except phones.PhoneError as exc:
        raise forms.ValidationError(str(exc)) from exc


class FacilityForm(forms.ModelForm):
    website = forms.URLField(required=False, assume_scheme="https", max_length=200)

    class Meta:
        model = Facility
        fields = (
            "city",
            "agency",
            "kind",
            "name",
            "geom",
            "address",
            "phones",
            "services",
            "opening_hours",
            "ownership",
            "hospital_class",
            "emergency_24h",
            "website",
            "source",
            "osm_id",
            "demo",
            "active",
        )

    def clean_phones(self) -> list[str]:
        return [_normalised(p) for p in self.cleaned_data.get("phones") or []]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        city, geom = data.get("city"), data.get("geom")
        if city is not None and geom is not None:
            try:
                where = locate(city, geom)
            except OutsideCity as exc:
                self.add_error("geom", str(exc))
            else:
                self.instance.kelurahan = where.kelurahan
                self.instance.kecamatan = where.kecamatan
        return data

    def clean_opening_hours(self) -> str:
        text = self.cleaned_data.get("opening_hours") or ""
        if not text.strip():
            return ""
        try:
            return opening_hours.validate(text)
        except opening_hours.OpeningHoursError as exc:
            raise forms.ValidationError(str(exc)) from exc


class EmergencyContactForm(forms.ModelForm):
    class Meta:
        model = EmergencyContact
        fields = ("city", "code", "name", "name_en", "phone", "order")

    def clean_phone(self) -> str:
        return _normalised(self.cleaned_data.get("phone") or "")


class BedInline(CityScoped, admin.TabularInline):
    model = BedAvailability
    extra = 0
    fields = ("bed_type", "available", "total", "updated_at")


@admin.register(FacilityKind)
class FacilityKindAdmin(CityScoped, admin.ModelAdmin):
    list_display = ("name", "code", "city", "hospital", "agency", "order")
    list_filter = ("city", "hospital")
    search_fields = ("name", "code")


@admin.register(Facility)
class FacilityAdmin(CityScoped, LeafletGeoAdmin):
    form = FacilityForm
    list_display = ("name", "kind", "city", "agency", "active", "demo", "updated_at")
    list_filter = ("city", "kind", "agency", "active", "demo")
    search_fields = ("name", "address", "osm_id")
    inlines = [BedInline]

    def save_model(
        self, request: HttpRequest, obj: Facility, form: Any, change: bool
    ) -> None:
        obj.hours_structured = structured_hours(obj.opening_hours)
        super().save_model(request, obj, form, change)

    def save_formset(
        self, request: HttpRequest, form: Any, formset: Any, change: bool
    ) -> None:
        for inline in formset.forms:
            if inline.instance and not inline.instance.city_id:
                inline.instance.city_id = form.instance.city_id
        super().save_formset(request, form, formset, change)


@admin.register(EmergencyContact)
class EmergencyContactAdmin(CityScoped, admin.ModelAdmin):
    form = EmergencyContactForm
    list_display = ("name", "phone", "city", "order")
    list_filter = ("city",)
