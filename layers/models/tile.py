"""A cache of rendered vector tiles, one row per (city, source, z, x, y).

Each row remembers the source's data version it was rendered from; a lookup only hits
when that version is still current, and a re-render overwrites the row in place. The
table is UNLOGGED (a cache needs no crash safety) — see migration 0003.
"""

from django.db import models


class TileCache(models.Model):
    city_id = models.BigIntegerField()
    source_key = models.CharField(max_length=120)
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
