"""A deleted layer's own feature partition is dropped rather than emptied row by row."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.db.models.signals import pre_delete
from django.dispatch import receiver

from layers import partitions
from layers.models import Layer


@receiver(pre_delete, sender=Layer, dispatch_uid="layers.drop_layer_partitions")
def drop_layer_partitions(sender: Any, instance: Layer, **kwargs: Any) -> None:
    with connection.cursor() as cursor:
        partitions.drop_layer_partitions(cursor, instance.pk)
