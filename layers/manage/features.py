"""Editing one feature of a layer: validation and the writes behind OGC API Features
Part 4 (POST/PUT/PATCH/DELETE), the map editor and "restore this version".

Every write runs in a transaction with the feature's row locked, checks the
client's ETag (`If-Match`) against the row as it is, bumps the feature's version
and lets the database triggers do the rest: the history event (with the request's
context and the note) and the layer's data version (tiles, GeoJSON and exports
change on the next request).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any
from uuid import UUID

from django.contrib.gis.geos import (
    GEOSException,
    GEOSGeometry,
    MultiLineString,
    MultiPoint,
    MultiPolygon,
    WKBWriter,
)
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from gis_platform.edges import EdgeError, check_coordinates, require_object
from layers import history
from layers.models import Feature, Layer
from layers.models.layer import GeometryType
from layers.schema import clean_properties
from tenancy.models import SRID

# Most vertices one edited geometry may have (an import takes bigger ones).
MAX_VERTICES = 100_000
# How far outside its city's extent a feature may lie, as a share of the extent.
EXTENT_MARGIN = 0.5
_MULTI: dict[str, str] = {
    GeometryType.POINT: GeometryType.MULTIPOINT,
    GeometryType.LINESTRING: GeometryType.MULTILINESTRING,
    GeometryType.POLYGON: GeometryType.MULTIPOLYGON,
}
_MULTI_CLASS: dict[str, Any] = {
    "MultiPoint": MultiPoint,
    "MultiLineString": MultiLineString,
    "MultiPolygon": MultiPolygon,
}


class PreconditionRequired(Exception):
    """A change of an existing feature came without If-Match (HTTP 428)."""


class PreconditionFailed(Exception):
    """The feature changed since the client read it (HTTP 412)."""


def item_etag(feature: Feature) -> str:
    """A strong ETag over what a client can change (geometry, properties, validity,
    external id) and the feature's id and version: any writer's change moves it."""
    payload = json.dumps(
        [
            feature.pk,
            feature.version,
            feature.geom.hexewkb.decode() if feature.geom else None,
            feature.properties,
            feature.external_id,
            feature.valid_from.isoformat() if feature.valid_from else None,
            feature.valid_to.isoformat() if feature.valid_to else None,
        ],
        sort_keys=True,
        default=str,
    )
    return f'"{feature.pk}-{hashlib.sha256(payload.encode()).hexdigest()[:24]}"'


def check_if_match(header: str | None, feature: Feature) -> None:
    if not header:
        raise PreconditionRequired(
            "Send the item's ETag in If-Match (GET the item first)."
        )
    tags = [t.strip() for t in header.split(",")]
    if "*" not in tags and item_etag(feature) not in tags:
        raise PreconditionFailed(
            "The feature was changed since you read it; GET it again and retry."
        )


def clean_geometry(layer: Layer, value: Any) -> GEOSGeometry:
    """A GeoJSON geometry checked for the layer: the layer's type (a single part
    becomes a multi-part for a multi layer), valid, at most MAX_VERTICES, inside the
    city's extent (with a margin)."""
    geometry = require_object(value, "geometry")
    check_coordinates(geometry.get("coordinates"), "geometry")
    try:
        geom = GEOSGeometry(json.dumps(geometry), srid=SRID)
    except (GEOSException, ValueError, TypeError) as exc:
        raise EdgeError("geometry", "is not a GeoJSON geometry.") from exc
    if geom.hasz:  # stored in 2D
        writer = WKBWriter()
        writer.outdim = 2
        geom = GEOSGeometry(writer.write(geom), srid=SRID)
    if geom.num_coords > MAX_VERTICES:
        raise EdgeError("geometry", f"has more than {MAX_VERTICES} vertices.")
    wanted = layer.geometry_type
    if wanted != GeometryType.GEOMETRY and geom.geom_type != wanted:
        if _MULTI.get(geom.geom_type) == wanted:
            geom = _MULTI_CLASS[wanted](geom, srid=SRID)
        else:
            raise EdgeError(
                "geometry",
                f"must be a {wanted} (the layer's type), not a {geom.geom_type}.",
            )
    if geom.empty:
        raise EdgeError("geometry", "is empty.")
    if not geom.valid:
        raise EdgeError("geometry", f"is not valid: {geom.valid_reason}.")
    xmin, ymin, xmax, ymax = layer.city.boundary.extent
    dx, dy = (xmax - xmin) * EXTENT_MARGIN, (ymax - ymin) * EXTENT_MARGIN
    gx0, gy0, gx1, gy1 = geom.extent
    if gx0 < xmin - dx or gx1 > xmax + dx or gy0 < ymin - dy or gy1 > ymax + dy:
        raise EdgeError("geometry", f"lies outside {layer.city.name}.")
    return geom


def _no_nul(value: Any, name: str) -> None:
    if isinstance(value, str) and "\x00" in value:
        raise EdgeError(f"properties.{name}", "contains a NUL character.")
    if isinstance(value, dict | list):
        for item in value.values() if isinstance(value, dict) else value:
            _no_nul(item, name)


def clean_feature_properties(layer: Layer, value: Any) -> dict[str, Any]:
    """Properties checked against the layer's schema: unknown names and wrong
    types refused, required fields present. Text is kept as written (HTML too:
    every output escapes it)."""
    properties = require_object(value if value is not None else {}, "properties")
    for name, item in properties.items():
        _no_nul(item, name)
    try:
        cleaned = clean_properties(layer.schema, properties)
    except ValidationError as exc:
        raise EdgeError("properties", " ".join(exc.messages)) from exc
    missing = [
        f["name"]
        for f in layer.schema
        if f.get("required") and cleaned.get(f["name"]) in (None, "")
    ]
    if missing:
        raise EdgeError("properties", f"required: {', '.join(missing)}.")
    return cleaned


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7396 JSON merge patch."""
    if not isinstance(patch, dict):
        return patch
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def _feature_parts(body: Any) -> tuple[Any, Any]:
    document = require_object(body)
    if document.get("type") not in (None, "Feature"):
        raise EdgeError("type", "must be Feature.")
    if "geometry" not in document or document["geometry"] is None:
        raise EdgeError("geometry", "is required.")
    return document["geometry"], document.get("properties")


def create_feature(
    layer: Layer, body: Any, *, note: str = "", client_id: UUID | None = None
) -> tuple[Feature, bool]:
    """A new feature of `layer` (and True), or, for a `client_id` already sent (a
    phone's retried send), the feature it created then (and False): one client id,
    one feature. The id is kept as the feature's external id `client:<uuid>`."""
    geometry, properties = _feature_parts(body)
    geom = clean_geometry(layer, geometry)
    cleaned = clean_feature_properties(layer, properties)
    external_id = f"client:{client_id}" if client_id else None
    with transaction.atomic(), history.change_context(note=note or "created"):
        if external_id:
            known = Feature.objects.filter(
                city_id=layer.city_id, layer=layer, external_id=external_id
            ).first()
            if known is not None:
                return known, False
        try:
            with transaction.atomic():
                return Feature.objects.create(
                    city_id=layer.city_id,
                    layer=layer,
                    geom=geom,
                    properties=cleaned,
                    external_id=external_id,
                ), True
        except IntegrityError:  # the same client id, sent twice at once
            known = Feature.objects.get(
                city_id=layer.city_id, layer=layer, external_id=external_id
            )
            return known, False


def locked_feature(layer: Layer, feature_id: int) -> Feature | None:
    """The feature, row-locked until the transaction ends (call inside one)."""
    return (
        Feature.objects.select_for_update()
        .filter(layer_id=layer.pk, pk=feature_id)
        .first()
    )


def _save(feature: Feature, note: str) -> Feature:
    with history.change_context(note=note):
        Feature.objects.filter(pk=feature.pk, layer_id=feature.layer_id).update(
            geom=feature.geom,
            properties=feature.properties,
            version=F("version") + 1,
            updated_at=timezone.now(),
        )
    feature.refresh_from_db()
    return feature


def replace_feature(
    feature: Feature, layer: Layer, body: Any, *, if_match: str | None, note: str = ""
) -> Feature:
    check_if_match(if_match, feature)
    geometry, properties = _feature_parts(body)
    feature.geom = clean_geometry(layer, geometry)
    feature.properties = clean_feature_properties(layer, properties)
    return _save(feature, note or "replaced")


def patch_feature(
    feature: Feature, layer: Layer, body: Any, *, if_match: str | None, note: str = ""
) -> Feature:
    check_if_match(if_match, feature)
    patch = require_object(body)
    if "geometry" in patch:
        if patch["geometry"] is None:
            raise EdgeError("geometry", "cannot be removed.")
        feature.geom = clean_geometry(layer, patch["geometry"])
    if "properties" in patch:
        merged = merge_patch(feature.properties, patch["properties"])
        feature.properties = clean_feature_properties(layer, merged)
    return _save(feature, note or "updated")


def delete_feature(feature: Feature, *, if_match: str | None, note: str = "") -> None:
    check_if_match(if_match, feature)
    with history.change_context(note=note or "deleted"):
        Feature.objects.filter(pk=feature.pk, layer_id=feature.layer_id).delete()


def restore_version(
    layer: Layer, feature_id: int, event_id: int, *, note: str = ""
) -> Feature:
    """Make a recorded version the feature's current state (re-creating it, with
    its old id, when it was deleted). Raises LookupError for an unknown version."""
    event = history.feature_version(layer, feature_id, event_id)
    if event is None:
        raise LookupError("No such version of this feature.")
    note = note or f"restored version of {event.pgh_created_at.isoformat()}"
    with transaction.atomic():
        feature = locked_feature(layer, feature_id)
        if feature is None:
            with history.change_context(note=note):
                return Feature.objects.create(
                    pk=feature_id,
                    city_id=layer.city_id,
                    layer=layer,
                    geom=event.geom,
                    properties=event.properties,
                    external_id=event.external_id,
                    valid_from=event.valid_from,
                    valid_to=event.valid_to,
                )
        feature.geom = event.geom
        feature.properties = event.properties
        return _save(feature, note)
