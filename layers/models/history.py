"""History of features, layers and tenant records (django-pghistory).

Database triggers write one event row per inserted, updated or deleted row, so bulk
SQL, imports and the admin are recorded as well as the ORM. Each event points at a
pghistory Context (who: the user id; the URL or import job; a note).

Features are tracked by statement-level triggers (one set-based INSERT per statement
on the partitioned `layers_feature`, fired on the parent for every partition). An
update stores both the new row ("update") and the old one ("before"): the state of a
layer at any time is then the current rows, with each row changed since replaced by
the "before"/"delete" image of its first later event (layers/history.py).

Big imports skip the per-feature triggers and record one "bulk_load" event on the
layer instead (see layers.history.bulk_write).
"""

from __future__ import annotations

import pghistory
import pgtrigger
from django.db import models

from layers.models.layer import Feature, Layer

FEATURE_LABELS = ("insert", "update", "before", "delete")


class FeatureEvent(
    pghistory.create_event_model(  # type: ignore[misc]
        Feature,
        pghistory.InsertEvent("insert"),
        pghistory.UpdateEvent("update"),
        pghistory.UpdateEvent("before", row=pghistory.Old),
        pghistory.DeleteEvent("delete"),
        model_name="FeatureEvent",
        level=pgtrigger.Statement,
        obj_field=pghistory.ObjForeignKey(
            db_index=False, related_name="+", related_query_name="+"
        ),
    )
):
    class Meta:
        app_label = "layers"
        indexes = [
            # A feature's versions; a layer's change log and as-of state.
            models.Index(fields=["pgh_obj", "pgh_id"], name="featureevent_obj"),
            models.Index(fields=["layer", "pgh_id"], name="featureevent_layer"),
        ]


class LayerEvent(
    pghistory.create_event_model(  # type: ignore[misc]
        Layer,
        pghistory.InsertEvent("insert"),
        pghistory.UpdateEvent("update"),
        pghistory.DeleteEvent("delete"),
        # One event for a whole import (created by layers.history.record_bulk_load).
        pghistory.ManualEvent("bulk_load"),
        model_name="LayerEvent",
        obj_field=pghistory.ObjForeignKey(related_name="+", related_query_name="+"),
        # The data version moves with every feature write: not a change of the layer.
        exclude=["data_version", "data_updated_at"],
    )
):
    class Meta:
        app_label = "layers"


class RecordEvent(models.Model):
    """One insert, update or delete of a tenant record of another app (cities,
    agencies, memberships, reports, ...), written by the trigger function
    `layers_history_record()` (migration 0012): the row as JSON, without the columns
    the trigger was told to leave out, and for updates the names of the changed
    columns. The layers app owns the table so that every app's records share one
    history without importing each other; a table is tracked by adding the trigger
    (layers.history.TRACKED_RECORDS lists them)."""

    pgh_id = models.BigAutoField(primary_key=True)
    pgh_created_at = models.DateTimeField()
    pgh_label = models.CharField(max_length=10)
    # "app_label.Model" of the record.
    record = models.CharField(max_length=60)
    obj_id = models.BigIntegerField()
    city_id = models.BigIntegerField(null=True)
    data = models.JSONField()
    changed = models.JSONField(null=True)
    pgh_context = models.ForeignKey(
        "pghistory.Context",
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )

    class Meta:
        indexes = [
            models.Index(fields=["record", "obj_id", "pgh_id"], name="recordevent_obj"),
            models.Index(fields=["city_id", "pgh_id"], name="recordevent_city"),
        ]

    def __str__(self) -> str:
        return f"{self.record}:{self.obj_id} {self.pgh_label}"
