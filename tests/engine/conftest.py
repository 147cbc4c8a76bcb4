from __future__ import annotations

import pytest
from django.contrib.gis.geos import Point

from layers.models import Feature, Layer, Visibility


@pytest.fixture
def secret_layer(tangerang) -> Layer:
    """An internal layer with one feature: must never reach the public."""
    layer = Layer.objects.create(
        city=tangerang,
        slug="gudang-rahasia",
        title="Gudang rahasia",
        dimension="governance",
        geometry_type="Point",
        visibility=Visibility.INTERNAL,
        schema=[{"name": "name", "type": "text", "label": "Name"}],
    )
    Feature.objects.create(
        city=tangerang,
        layer=layer,
        geom=Point(106.63, -6.18, srid=4326),
        properties={"name": "secret depot"},
    )
    return layer
