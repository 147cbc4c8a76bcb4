"""Which sources a city serves to a user: the one place access control meets the engine.

Apps register a *provider*: a callable `(city, user, key)` that yields the sources
that user may see in that city (all of them, or only the one named `key` when given).
Each app registers its own from its AppConfig.ready() (layers: layers/sources.py,
reports: reports/sources.py); the engine knows none of them:

    from layers.engine.registry import register_source_provider
    register_source_provider(report_sources)

A provider may also give a *resolver* `(city_slug, user, key) -> (city, source) |
None`: the hot path of a request for one source, answered in one query when it can
(feature layers), before the general path through every provider.

Every serving surface (JSON API, OGC API Features/Tiles, vector tiles, spatial
queries, the catalogue) looks sources up through `sources_for` / `source_for` /
`resolve_source`, so a source the user may not see is simply absent — never listed,
never served.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.http import Http404

from gis_platform.edges import has_control_chars
from layers.engine.sources import LayerSource

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    from tenancy.models import City

    User = AbstractBaseUser | AnonymousUser

SourceProvider = Callable[["City", "User", "str | None"], Iterable[LayerSource]]
SourceResolver = Callable[[str, "User", str], "tuple[City, LayerSource] | None"]


@dataclass(frozen=True)
class _Registration:
    provider: SourceProvider
    resolver: SourceResolver | None
    # Whether the keys it serves are closed to other providers (see reserved_key).
    reserves_keys: bool
    reserved_prefixes: tuple[str, ...]


_registrations: list[_Registration] = []


def register_source_provider(
    provider: SourceProvider,
    *,
    resolver: SourceResolver | None = None,
    reserves_keys: bool = True,
    reserved_prefixes: tuple[str, ...] = (),
) -> SourceProvider:
    """Add a provider (idempotent); usable as a decorator."""
    if all(r.provider is not provider for r in _registrations):
        _registrations.append(
            _Registration(provider, resolver, reserves_keys, reserved_prefixes)
        )
    return provider


def unregister_source_provider(provider: SourceProvider) -> None:
    """Remove a provider (an app being unloaded, a test's own source)."""
    _registrations[:] = [r for r in _registrations if r.provider is not provider]


def sources_for(city: City, user: User) -> list[LayerSource]:
    """Every source this user may see in this city, in provider order."""
    seen: dict[str, LayerSource] = {}
    for registration in _registrations:
        for source in registration.provider(city, user, None):
            seen.setdefault(source.key, source)
    return list(seen.values())


def city_by_slug(city_slug: str) -> City:
    """The city (its boundary deferred: requests rarely need it) or 404."""
    from tenancy.resolve import city_or_404

    return city_or_404(city_slug, with_boundary=False)


def resolve_source(city_slug: str, user: User, key: str) -> tuple[City, LayerSource]:
    """(city, source named `key`) for a request, or 404.

    The hot path of every serving surface: the providers' resolvers answer first
    (a visible feature layer with its city in one query); anything else takes the
    general path through `city_by_slug` and the providers, with the same result."""
    # A NUL byte cannot travel to PostgreSQL as text; no key or slug holds one.
    _refuse_control_chars(city_slug, "No such city.")
    _refuse_control_chars(key, "No such collection.")
    for registration in _registrations:
        if registration.resolver is not None:
            found = registration.resolver(city_slug, user, key)
            if found is not None:
                return found
    city = city_by_slug(city_slug)
    return city, source_for(city, user, key)


def _refuse_control_chars(value: str, message: str) -> None:
    if has_control_chars(value):
        raise Http404(message)


def source_for(city: City, user: User, key: str) -> LayerSource:
    """The source named `key`, or 404 when it does not exist or is not visible."""
    _refuse_control_chars(key, "No such collection.")
    for registration in _registrations:
        for source in registration.provider(city, user, key):
            if source.key == key:
                return source
    raise Http404("No such collection.")


def reserved_key(city: City, key: str, *, asking: SourceProvider | None = None) -> bool:
    """Whether `key` names (or may name) a source of a provider other than `asking`
    that reserves its keys: a reserved prefix (boundaries-), or a key such a
    provider (e.g. reports' "laporan") serves. A feature layer may not take such
    a key (layers.models.layer.slug_problem)."""
    from django.contrib.auth.models import AnonymousUser

    for registration in _registrations:
        if not registration.reserves_keys or registration.provider is asking:
            continue
        prefixes = registration.reserved_prefixes
        if prefixes and key.startswith(prefixes):
            return True
        sources = registration.provider(city, AnonymousUser(), key)
        if any(source.key == key for source in sources):
            return True
    return False
