"""Content-Security-Policy for every page: only the platform's own scripts, styles,
images and connections, plus the optional online basemap's tiles.

Each request gets a fresh nonce (`request.csp_nonce`); a template that needs an inline
`<script>` or `<style>` writes `nonce="{{ request.csp_nonce }}"` on it (django-leaflet's
admin widget reads the same attribute). A response that already carries a policy (the
shareable map file) keeps its own.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse

HEADER = "Content-Security-Policy"


def tile_source(url: str) -> str:
    """The CSP source of an XYZ tile URL template: its scheme and host, with a `{s}`
    subdomain placeholder as a wildcard (https://{s}.tile.example.org/{z}/{x}/{y}.png
    -> https://*.tile.example.org)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ImproperlyConfigured(
            f"PETAKOTA_BASEMAP_URL must be an http(s) URL template, not {url!r}."
        )
    host = parts.netloc.rsplit("@", 1)[-1]
    labels = host.split(".")
    if "{" in labels[0] or "}" in labels[0]:
        labels[0] = "*"
    host = ".".join(labels)
    if any(char in host for char in "{}'; ,") or len(labels) < 2:
        raise ImproperlyConfigured(
            "PETAKOTA_BASEMAP_URL: only the first label of the host may be a "
            f"placeholder ({{s}}), not in {url!r}."
        )
    return f"{parts.scheme}://{host}"


def page_policy(nonce: str, basemap_url: str = "") -> str:
    images = "'self' data: blob:"
    if basemap_url:
        images += f" {tile_source(basemap_url)}"
    return "; ".join(
        (
            "default-src 'self'",
            f"script-src 'self' 'nonce-{nonce}'",
            f"style-src 'self' 'nonce-{nonce}'",
            # Style attributes (a legend swatch's colour; Leaflet's markup) cannot run
            # code; images, the only way out for CSS, stay limited to img-src.
            "style-src-attr 'unsafe-inline'",
            f"img-src {images}",
            "connect-src 'self'",
            "font-src 'self'",
            # Leaflet.VectorGrid may slice GeoJSON in a worker built from a blob.
            "worker-src 'self' blob:",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        )
    )


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        # A bad basemap URL stops the server at start, not on the first page.
        page_policy("check", settings.BASEMAP_URL)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        nonce = secrets.token_urlsafe(18)
        request.csp_nonce = nonce  # type: ignore[attr-defined]
        response = self.get_response(request)
        if HEADER not in response:
            response[HEADER] = page_policy(nonce, settings.BASEMAP_URL)
        return response
