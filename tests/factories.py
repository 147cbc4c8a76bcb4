"""factory_boy factories for tests that need rows beyond the demo city."""

import factory
from django.contrib.auth import get_user_model
from django.contrib.gis.geos import MultiPolygon, Point, Polygon

from layers.models import Dimension, Feature, Layer
from tenancy.models import Agency, City, Membership, Role


def square(x: float, y: float, size: float = 0.01) -> MultiPolygon:
    return MultiPolygon(
        Polygon(((x, y), (x + size, y), (x + size, y + size), (x, y + size), (x, y))),
        srid=4326,
    )


class CityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = City

    slug = factory.Sequence(lambda n: f"kota-uji-{n}")
    name = factory.Sequence(lambda n: f"Kota Uji {n}")
    code = factory.Sequence(lambda n: f"99.{n:02d}")
    boundary = factory.LazyFunction(lambda: square(120.0, -5.0, 0.2))
    default_center = factory.LazyFunction(lambda: Point(120.1, -4.9, srid=4326))


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency

    city = factory.SubFactory(CityFactory)
    slug = factory.Sequence(lambda n: f"dinas-{n}")
    name = factory.Sequence(lambda n: f"Dinas {n}")


class LayerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Layer

    city = factory.SubFactory(CityFactory)
    agency = factory.SubFactory(AgencyFactory, city=factory.SelfAttribute("..city"))
    slug = factory.Sequence(lambda n: f"layer-{n}")
    title = factory.Sequence(lambda n: f"Layer {n}")
    dimension = Dimension.LIVING


class FeatureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Feature

    layer = factory.SubFactory(LayerFactory)
    city = factory.SelfAttribute("layer.city")
    geom = factory.LazyFunction(lambda: Point(120.05, -4.95, srid=4326))
    properties = factory.LazyFunction(dict)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("pw-Secret-123")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    city = factory.SubFactory(CityFactory)
    role = Role.PLANNER
