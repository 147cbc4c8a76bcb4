"""Writes of the layer management pages: metadata, attribute labels and privacy,
visibility (publishing a draft), deletion. Each runs with a history note."""

from __future__ import annotations

from typing import Any

from django.db import connection, transaction
from django.db.models import F

from layers import history, partitions
from layers.manage import style
from layers.models import Feature, Layer
from layers.schema import validate_schema

METADATA_FIELDS = (
    "title",
    "title_en",
    "description",
    "description_en",
    "dimension",
    "license",
    "attribution",
    "keywords",
    "update_frequency",
    "visibility",
)


@transaction.atomic
def update_layer(
    layer: Layer,
    *,
    metadata: dict[str, Any],
    attributes: list[dict[str, Any]],
    note: str = "",
) -> Layer:
    """Save the metadata and the schema's labels (id/en) and `private` flags (names
    and types stay what the data has)."""
    schema = []
    by_name = {a["name"]: a for a in attributes}
    for field in layer.schema:
        change = by_name.get(field["name"], {})
        updated = {**field}
        label_id = (change.get("label_id") or "").strip()
        label_en = (change.get("label_en") or "").strip()
        if label_id or label_en:
            updated["label"] = label_id or label_en
            updated["labels"] = {"id": label_id, "en": label_en}
        if "private" in change:
            if change["private"]:
                updated["private"] = True
            else:
                updated.pop("private", None)
        schema.append(updated)
    validate_schema(schema)
    for name in METADATA_FIELDS:
        if name in metadata:
            setattr(layer, name, metadata[name])
    layer.schema = schema
    with history.change_context(note=note or "metadata edited"):
        layer.save()
        # Tiles and pages built from the old labels, privacy or title must go.
        Layer.objects.filter(pk=layer.pk).update(data_version=F("data_version") + 1)
    layer.refresh_from_db()
    return layer


def set_visibility(layer: Layer, visibility: str, *, note: str = "") -> Layer:
    with history.change_context(note=note or f"visibility: {visibility}"):
        layer.visibility = visibility
        layer.save(update_fields=["visibility", "updated_at"])
    return layer


@transaction.atomic
def delete_layer(layer: Layer, *, note: str = "") -> int:
    """Delete a layer and its features. The history keeps the layer's last state
    (a "delete" event) and the features' as one bulk event, not one per row.
    Returns how many features went."""
    count = Feature.objects.filter(layer_id=layer.pk).count()
    with history.change_context(note=note or "layer deleted"):
        history.record_bulk_load(
            layer, mode="delete", inserted=0, updated=0, deleted=count
        )
        with history.bulk_write():
            with connection.cursor() as cursor:
                partitions.drop_layer_partitions(cursor, layer.pk)
            Feature.objects.filter(layer_id=layer.pk).delete()
            layer.delete()
    return count


def set_style(layer: Layer, choices: dict[str, Any], *, note: str = "") -> Layer:
    """Build and store the layer's style from the editor's choices (raises
    EdgeError for an attribute or method the data cannot take)."""
    built = style.build_style(layer, choices)
    with history.change_context(note=note or "style edited"):
        layer.style = built
        layer.save(update_fields=["style", "updated_at"])
        # Tiles' legend and the map's colours follow the style: new version.
        Layer.objects.filter(pk=layer.pk).update(data_version=F("data_version") + 1)
    return layer
