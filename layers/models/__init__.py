from layers.models.history import FeatureEvent, LayerEvent, RecordEvent
from layers.models.layer import Dimension, Feature, Layer, Visibility
from layers.models.tile import TileCache

# The tenancy models moved to tenancy.models (issue 11); re-exported while work in
# progress still imports them from here.
from tenancy.models import AdminArea, Agency, City, Membership, Role

__all__ = [
    "AdminArea",
    "Agency",
    "City",
    "Dimension",
    "Feature",
    "FeatureEvent",
    "Layer",
    "LayerEvent",
    "Membership",
    "RecordEvent",
    "Role",
    "TileCache",
    "Visibility",
]
