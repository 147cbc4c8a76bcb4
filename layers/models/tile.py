"""A cache of rendered vector tiles, one row per (city, source, z, x, y).

`source_key` is the source's `cache_id`: `layer-<id>` for a feature layer (ids never
repeat, slugs do), the source key otherwise. Each row remembers the source's data
version it was rendered from; a lookup only hits when that version is still current,
and a re-render overwrites the row in place. A layer's rows go with the layer
(`layer`, ON DELETE CASCADE). The table is UNLOGGED (a cache needs no crash safety) —
see migration 0003.
"""

from django.db import models

from layers.models.layer import Layer


class TileCache(models.Model):
    city_id = models.BigIntegerField()
    source_key = models.CharField(max_length=120)
    # Django deletes a layer's rows with it; no database constraint, so a tile
    # rendered while its layer is being deleted cannot fail a request at commit (such
    # a row is keyed by an id that never comes back).
    layer = models.ForeignKey(
        Layer,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
    )
    z = models.PositiveSmallIntegerField()
    x = models.PositiveIntegerField()
    y = models.PositiveIntegerField()
    version = models.BigIntegerField()
    data = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "cached tile"
        verbose_name_plural = "cached tiles"
        constraints = [
            models.UniqueConstraint(
                fields=["city_id", "source_key", "z", "x", "y"], name="tilecache_tile"
            )
        ]

    def __str__(self) -> str:
        return f"{self.source_key}/{self.z}/{self.x}/{self.y}@{self.version}"
