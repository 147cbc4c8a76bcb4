"""Layer management pages for the owner agency's editors and the city's
administrators (tenancy.access.may_edit_layer): "my layers", a layer's metadata,
attributes and visibility, publishing a draft, deleting a layer."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from gis_platform.edges import EdgeError
from gis_platform.http import json_error, set_cache
from layers.choices import Visibility
from layers.manage import features, services, style
from layers.manage.forms import (
    AttributeFormSet,
    LayerMetadataForm,
    StyleForm,
    attribute_initial,
    style_initial,
)
from layers.models import Layer
from layers.schema import public_fields
from tenancy.access import editable_agencies, may_edit_layer
from tenancy.models import City
from tenancy.resolve import city_or_404


def manageable_layers(request: HttpRequest, city: City) -> QuerySet[Layer]:
    agencies = editable_agencies(request.user, city)
    layers = Layer.objects.filter(city=city)
    if agencies is None:
        return layers
    return layers.filter(agency__in=agencies)


def _layer_for_editor(request: HttpRequest, city_slug: str, layer_slug: str) -> Layer:
    city = city_or_404(city_slug, with_boundary=False)
    layer = (
        Layer.objects.visible_to(request.user, city)
        .filter(slug=layer_slug)
        .select_related("agency")
        .first()
    )
    if layer is None:
        raise Http404(_("No such layer."))
    if not may_edit_layer(request.user, city, layer.agency_id):
        raise PermissionDenied
    layer.city = city
    return layer


@login_required
def my_layers(request: HttpRequest, city_slug: str) -> HttpResponse:
    city = city_or_404(city_slug, with_boundary=False)
    agencies = editable_agencies(request.user, city)
    if agencies is not None and not agencies.exists():
        raise PermissionDenied
    layers = (
        manageable_layers(request, city)
        .select_related("agency")
        .annotate(feature_count=Count("features", filter=Q(features__isnull=False)))
        .order_by("title")
    )
    return render(
        request, "layers/manage/my_layers.html", {"city": city, "layers": layers}
    )


@login_required
@require_http_methods(["GET", "POST"])
def edit_layer(request: HttpRequest, city_slug: str, layer_slug: str) -> HttpResponse:
    layer = _layer_for_editor(request, city_slug, layer_slug)
    form = LayerMetadataForm(request.POST or None, instance=layer, prefix="meta")
    attributes = AttributeFormSet(
        request.POST or None, initial=attribute_initial(layer), prefix="attr"
    )
    if request.method == "POST" and form.is_valid() and attributes.is_valid():
        known = {f["name"] for f in layer.schema}
        services.update_layer(
            Layer.objects.get(pk=layer.pk),
            metadata={
                **{k: form.cleaned_data[k] for k in form.Meta.fields},
                "keywords": form.cleaned_data["keywords"],
            },
            attributes=[
                {
                    "name": a["name"],
                    "label_id": a["label_id"],
                    "label_en": a["label_en"],
                    "private": not a["public"],
                }
                for a in attributes.cleaned_data
                if a.get("name") in known
            ],
        )
        return redirect(
            "layers:manage-layer", city_slug=city_slug, layer_slug=layer.slug
        )
    return render(
        request,
        "layers/manage/edit_layer.html",
        {
            "city": layer.city,
            "layer": layer,
            "form": form,
            "attributes": attributes,
            "draft": layer.visibility == Visibility.DRAFT,
            "style_form": StyleForm(initial=style_initial(layer), layer=layer),
            "style_classes": ((layer.style or {}).get("renderer") or {}).get(
                "classes", []
            ),
        },
    )


@login_required
@require_http_methods(["POST"])
def publish_layer(
    request: HttpRequest, city_slug: str, layer_slug: str
) -> HttpResponse:
    layer = _layer_for_editor(request, city_slug, layer_slug)
    services.set_visibility(layer, Visibility.PUBLIC, note="published")
    return redirect("layers:manage-layer", city_slug=city_slug, layer_slug=layer.slug)


@login_required
@require_http_methods(["GET", "POST"])
def delete_layer(request: HttpRequest, city_slug: str, layer_slug: str) -> HttpResponse:
    layer = _layer_for_editor(request, city_slug, layer_slug)
    if request.method == "POST":
        if request.POST.get("confirm_slug") != layer.slug:
            return render(
                request,
                "layers/manage/delete_layer.html",
                {
                    "city": layer.city,
                    "layer": layer,
                    "error": _("Type the layer's slug to confirm."),
                },
                status=400,
            )
        services.delete_layer(layer)
        return redirect("layers:manage", city_slug=city_slug)
    return render(
        request, "layers/manage/delete_layer.html", {"city": layer.city, "layer": layer}
    )


@login_required
@require_http_methods(["POST"])
def edit_style(request: HttpRequest, city_slug: str, layer_slug: str) -> HttpResponse:
    layer = _layer_for_editor(request, city_slug, layer_slug)
    form = StyleForm(request.POST, layer=layer)
    if form.is_valid():
        try:
            services.set_style(layer, form.cleaned_data)
        except EdgeError as exc:
            form.add_error(None, exc.message)
        else:
            return redirect(
                "layers:manage-layer", city_slug=city_slug, layer_slug=layer.slug
            )
    return render(
        request,
        "layers/manage/style_errors.html",
        {"city": layer.city, "layer": layer, "style_form": form},
        status=400,
    )


def style_export(
    request: HttpRequest, city_slug: str, layer_slug: str, fmt: str
) -> HttpResponse:
    """GET .../style.sld or .../style.qml of a layer the user may see."""
    city = city_or_404(city_slug, with_boundary=False)
    layer = Layer.objects.visible_to(request.user, city).filter(slug=layer_slug).first()
    if layer is None or fmt not in ("sld", "qml"):
        raise Http404(_("No such layer."))
    if fmt == "sld":
        body, media = style.style_sld(layer), "application/vnd.ogc.sld+xml"
    else:
        body, media = style.style_qml(layer), "application/x-qgis-layer-settings"
    response = HttpResponse(body, content_type=f"{media}; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{layer.slug}.{fmt}"'
    return set_cache(
        response,
        public=layer.visibility == Visibility.PUBLIC,
        vary=("Cookie",),
    )


@login_required
def edit_features(
    request: HttpRequest, city_slug: str, layer_slug: str
) -> HttpResponse:
    """The map editor: select, edit attributes, move, draw, delete (through OGC API
    Features Part 4) and a feature's history with "restore this version"."""
    layer = _layer_for_editor(request, city_slug, layer_slug)
    config = {
        "items": reverse(
            "ogc:items", kwargs={"city_slug": city_slug, "collection_id": layer.slug}
        ),
        "history": reverse(
            "api:layer-history",
            kwargs={"city_slug": city_slug, "layer_slug": layer.slug},
        ),
        "restore": reverse(
            "layers:manage-restore",
            kwargs={
                "city_slug": city_slug,
                "layer_slug": layer.slug,
                "feature_id": 0,
                "event_id": 0,
            },
        ),
        "geometry_type": layer.geometry_type,
        "schema": public_fields(layer.schema),
        "bounds": list(city_or_404(city_slug).boundary.extent),
    }
    return render(
        request,
        "layers/manage/edit_features.html",
        {"city": layer.city, "layer": layer, "config": config},
    )


@login_required
@require_http_methods(["POST"])
def restore_feature(
    request: HttpRequest,
    city_slug: str,
    layer_slug: str,
    feature_id: int,
    event_id: int,
) -> JsonResponse:
    layer = _layer_for_editor(request, city_slug, layer_slug)
    try:
        feature = features.restore_version(layer, feature_id, event_id)
    except LookupError as exc:
        return json_error(str(exc), status=404)
    return JsonResponse({"id": feature.pk, "version": feature.version})
