"""Which sources a city serves to a user: the one place access control meets the engine.

Apps register a *provider*: a callable `(city, user, key)` that yields the LayerSources
that user may see in that city (all of them, or only the one named `key` when given).
Feature-backed layers and admin boundaries are registered here; a domain app registers
its own provider from its AppConfig.ready():

    from layers.engine.registry import register_source_provider
    register_source_provider(report_sources)

Every serving surface (JSON API, OGC API Features/Tiles, vector tiles, spatial
queries) looks sources up through `sources_for` / `source_for`, so a source the user
may not see is simply absent — never listed, never served.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from django.http import Http404

from gis_platform.edges import has_control_chars
from layers.engine.sources import LayerSource, admin_area_source, feature_layer_source

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    from tenancy.models import City

    User = AbstractBaseUser | AnonymousUser

SourceProvider = Callable[["City", "User", "str | None"], Iterable[LayerSource]]

_providers: list[SourceProvider] = []


def register_source_provider(provider: SourceProvider) -> SourceProvider:
    """Add a provider (idempotent); usable as a decorator."""
    if provider not in _providers:
        _providers.append(provider)
    return provider


def sources_for(city: City, user: User) -> list[LayerSource]:
    """Every source this user may see in this city, in provider order."""
    seen: dict[str, LayerSource] = {}
    for provider in _providers:
        for source in provider(city, user, None):
            seen.setdefault(source.key, source)
    return list(seen.values())


def city_by_slug(city_slug: str) -> City:
    """The city (its boundary deferred: requests rarely need it) or 404."""
    from tenancy.resolve import city_or_404

    return city_or_404(city_slug, with_boundary=False)


def resolve_source(city_slug: str, user: User, key: str) -> tuple[City, LayerSource]:
    """(city, source named `key`) for a request, or 404.

    The hot path of every serving surface: a visible feature layer is found with its
    city in one query (the city's boundary deferred); anything else (another city's
    slug, a boundary or domain source, a layer this user may not see) takes the
    general path through `city_by_slug` and the providers, with the same result."""
    from layers.models import Layer, Visibility

    # A NUL byte cannot travel to PostgreSQL as text; no key or slug holds one.
    _refuse_control_chars(city_slug, "No such city.")
    _refuse_control_chars(key, "No such collection.")
    if not key.startswith(BOUNDARY_PREFIX):
        # (city, slug) is unique: no ORDER BY/LIMIT to compile or run.
        rows = list(
            Layer.objects.select_related("city")
            .defer("city__boundary")
            .filter(city__slug=city_slug, slug=key)
            .order_by()
        )
        layer = rows[0] if rows else None
        # Public layers are visible to everyone (see LayerQuerySet.visible_to);
        # others need the user's memberships, checked only when asked for.
        if layer is not None and (
            layer.visibility == Visibility.PUBLIC
            or (
                user.is_authenticated
                and Layer.objects.visible_to(user, layer.city)
                .filter(pk=layer.pk)
                .exists()
            )
        ):
            return layer.city, feature_layer_source(layer)
    city = city_by_slug(city_slug)
    return city, source_for(city, user, key)


def _refuse_control_chars(value: str, message: str) -> None:
    if has_control_chars(value):
        raise Http404(message)


def source_for(city: City, user: User, key: str) -> LayerSource:
    """The source named `key`, or 404 when it does not exist or is not visible."""
    _refuse_control_chars(key, "No such collection.")
    for provider in _providers:
        for source in provider(city, user, key):
            if source.key == key:
                return source
    raise Http404("No such collection.")


BOUNDARY_PREFIX = "boundaries-"


def reserved_key(city: City, key: str) -> bool:
    """Whether `key` names (or may name) a source other than a feature layer: the
    boundaries prefix, or a key a domain provider (e.g. reports' "laporan") serves.
    A layer may not take such a key (layers.models.layer.slug_problem)."""
    from django.contrib.auth.models import AnonymousUser

    if key.startswith(BOUNDARY_PREFIX):
        return True
    for provider in _providers:
        if provider is feature_layers:
            continue
        if any(source.key == key for source in provider(city, AnonymousUser(), key)):
            return True
    return False


@register_source_provider
def feature_layers(city: City, user: User, key: str | None) -> Iterable[LayerSource]:
    from layers.models import Layer

    layers = Layer.objects.visible_to(user, city)
    if key is not None:
        if key.startswith(BOUNDARY_PREFIX):
            return []
        layers = layers.filter(slug=key)
    return [feature_layer_source(layer) for layer in layers.order_by("title")]


@register_source_provider
def boundaries(city: City, user: User, key: str | None) -> Iterable[LayerSource]:
    from tenancy.models import AdminArea

    levels = AdminArea.Level.values
    if key is not None:
        levels = [lvl for lvl in levels if key == BOUNDARY_PREFIX + lvl]
    return [admin_area_source(city.pk, level) for level in levels]
