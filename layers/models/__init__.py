from layers.models.city import AdminArea, Agency, City, Membership, Role
from layers.models.layer import Dimension, Feature, Layer, Visibility
from layers.models.tile import TileCache

__all__ = [
    "AdminArea",
    "Agency",
    "City",
    "Dimension",
    "Feature",
    "Layer",
    "Membership",
    "Role",
    "TileCache",
    "Visibility",
]
