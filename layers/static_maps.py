"""Shareable static maps: one self-contained HTML file (folium) that opens anywhere,
offline, with the city's boundaries and chosen layers.

folium's pages load Leaflet, jQuery and Bootstrap from public CDNs and draw nothing
offline. Here the map is built with no tile layer, only Leaflet is kept, and Leaflet's
own JS and CSS (django-leaflet's copy) are inlined into the file.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from pathlib import Path

import folium
from django.contrib.staticfiles import finders
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils.html import escape
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from layers.engine.geojson import stream_feature_collection
from layers.engine.sources import LayerSource
from layers.engine.sql import Query
from layers.manage.style import leaflet_style
from layers.models import Layer
from layers.sources import admin_area_source, feature_layer_source
from tenancy.models import AdminArea, City

_PLACEHOLDER_JS = "petakota-inline-leaflet.js"
_PLACEHOLDER_CSS = "petakota-inline-leaflet.css"


_POPUP_JS = """
function (feature, layer) {
  layer.bindPopup(function () {
    var table = document.createElement("table");
    Object.keys(feature.properties || {}).forEach(function (key) {
      var value = feature.properties[key];
      var row = table.insertRow();
      row.insertCell().textContent = key;
      row.insertCell().textContent =
        value === null ? "" : typeof value === "object" ? JSON.stringify(value) : value;
    });
    return table;
  }, {maxWidth: 320});
}
"""


_TOOLTIP_JS = """
function (feature, layer) {
  var label = document.createElement("strong");
  label.textContent = feature.properties.name;
  layer.bindTooltip(label, {sticky: true});
}
"""


# A shared file must stay small enough to e-mail and open on a phone.
MAX_FEATURES_PER_LAYER = 5000

# A built file is kept this long; its key changes with any data it holds anyway.
CACHE_TIMEOUT_S = 24 * 3600


def _collection(source: LayerSource, limit: int | None = None) -> dict:
    query = Query(precision=6, limit=limit)
    return json.loads("".join(stream_feature_collection(source, query)))


def _static_text(path: str) -> str:
    found = finders.find(path)
    if not found:
        raise FileNotFoundError(f"static file {path} is missing")
    return Path(found).read_text(encoding="utf-8")


def _safe_script(text: str) -> str:
    # Inline code must not close its own <script> element.
    return text.replace("</script", "<\\/script")


def static_map_html(
    city: City,
    layers: QuerySet[Layer] | list[Layer],
    *,
    extra: tuple[LayerSource, ...] = (),
    title: str = "",
) -> str:
    """The city map as one HTML document with every asset inlined; `extra` sources
    (the planner's analysis results) are drawn over the layers, `title` heads it."""
    extent = city.boundary.extent
    fmap = folium.Map(
        location=[city.default_center.y, city.default_center.x],
        tiles=None,
        zoom_start=city.default_zoom,
        control_scale=True,
        max_zoom=19,
    )
    fmap.default_js = [("leaflet", _PLACEHOLDER_JS)]
    fmap.default_css = [("leaflet_css", _PLACEHOLDER_CSS)]
    folium.GeoJson(
        _collection(admin_area_source(city.pk, "kecamatan")),
        name=escape(_("Kecamatan")),
        style_function=lambda _: {
            "color": "#1f3b4d",
            "weight": 2,
            "fillColor": "#e9efe6",
            "fillOpacity": 0.35,
        },
        on_each_feature=folium.JsCode(_TOOLTIP_JS),
    ).add_to(fmap)
    attributions = []
    names: set[str] = set()
    for layer in layers:
        data = _collection(feature_layer_source(layer), MAX_FEATURES_PER_LAYER + 1)
        if not data["features"]:
            continue
        name = layer.title
        if len(data["features"]) > MAX_FEATURES_PER_LAYER:
            del data["features"][MAX_FEATURES_PER_LAYER:]
            name = _("%(title)s (first %(count)s)") % {
                "title": layer.title,
                "count": f"{MAX_FEATURES_PER_LAYER:,}",
            }
        # Leaflet's layer control writes names with innerHTML: escape every one. Two
        # layers with one title would share one entry of the control: number them.
        name = _unique(escape(name), names)
        colour = (layer.style or {}).get("color", "#555555")
        folium.GeoJson(
            data,
            name=name,
            marker=folium.CircleMarker(
                radius=(layer.style or {}).get("radius", 6),
                color="#ffffff",
                weight=1,
                fill=True,
                fill_color=colour,
                fill_opacity=0.95,
            ),
            # The layer's stored style (layers/manage/style.py), as on the city map.
            style_function=lambda f, s=layer.style or {}: leaflet_style(s, f),
            # folium's GeoJsonPopup writes property values as HTML; build the popup
            # from text nodes instead.
            on_each_feature=folium.JsCode(_POPUP_JS),
        ).add_to(fmap)
        if layer.attribution:
            attributions.append(layer.attribution)
    for source in extra:
        data = _collection(source, MAX_FEATURES_PER_LAYER)
        colour = (source.style or {}).get("color", "#c51b7d")
        folium.GeoJson(
            data,
            name=_unique(escape(source.title), names),
            marker=folium.CircleMarker(
                radius=8, color="#111111", weight=2, fill=True, fill_color=colour
            ),
            style_function=lambda f, c=colour: {
                "color": "#555555",
                "weight": 0.6,
                "fillColor": c,
                "fillOpacity": 0.5,
            },
            on_each_feature=folium.JsCode(_POPUP_JS),
        ).add_to(fmap)
    folium.LayerControl(collapsed=False).add_to(fmap)
    fmap.fit_bounds([[extent[1], extent[0]], [extent[3], extent[2]]])
    root = fmap.get_root()
    if not isinstance(root, folium.Figure):  # a Map always sits in a Figure
        raise TypeError(f"a folium map's root is a {type(root).__name__}")
    heading = title or city.name
    root.header.add_child(
        folium.Element(f"<title>{escape(heading)} — PetaKota</title>")
    )
    if title:
        # A bare element and a bare style: the file's policy covers exactly those.
        root.html.add_child(
            folium.Element(
                "<style>.petakota-title{position:absolute;z-index:1000;top:8px;"
                "left:56px;margin:0;padding:4px 10px;background:#fff;font:600 18px "
                "sans-serif;border-radius:4px;box-shadow:0 1px 4px #0004}</style>"
                f'<h1 class="petakota-title">{escape(title)}</h1>'
            )
        )
    html = root.render()
    # Leaflet puts attribution text in as HTML: escape it, then hand it over as JSON,
    # at the end of the map's script, once the map exists.
    credit = escape("; ".join(dict.fromkeys(attributions)))
    if credit:
        head, tail = html.rsplit("</script>", 1)
        html = (
            f"{head}{fmap.get_name()}.attributionControl"
            f".addAttribution({json.dumps(credit)});\n</script>{tail}"
        )
    html = html.replace(
        f'<script src="{_PLACEHOLDER_JS}"></script>',
        f"<script>{_safe_script(_static_text('leaflet/leaflet.js'))}</script>",
    ).replace(
        f'<link rel="stylesheet" href="{_PLACEHOLDER_CSS}"/>',
        f"<style>{_static_text('leaflet/leaflet.css')}</style>",
    )
    if _PLACEHOLDER_JS in html or _PLACEHOLDER_CSS in html:
        raise RuntimeError(
            "folium changed how it writes assets; the map would be blank"
        )
    return _with_policy(html)


def _unique(name: str, taken: set[str]) -> str:
    candidate, n = name, 1
    while candidate in taken:
        n += 1
        candidate = f"{name} ({n})"
    taken.add(candidate)
    return candidate


_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)
_INLINE_STYLE = re.compile(r"<style>(.*?)</style>", re.DOTALL)
_TAGS_WITH_ATTRIBUTES = re.compile(r"<(?:script|style)\s", re.IGNORECASE)


def _sha256(text: str) -> str:
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


def file_policy(html: str) -> str:
    """The Content-Security-Policy of a built file: exactly its own inline scripts and
    styles (by hash), nothing loaded from anywhere. Whatever else ends up in the file
    (an event handler attribute, a script a name smuggled in) does not run."""
    scripts = " ".join(dict.fromkeys(map(_sha256, _INLINE_SCRIPT.findall(html))))
    styles = " ".join(dict.fromkeys(map(_sha256, _INLINE_STYLE.findall(html))))
    return (
        f"default-src 'none'; script-src {scripts}; style-src {styles}; "
        "img-src data:; base-uri 'none'; form-action 'none'"
    )


def _with_policy(html: str) -> str:
    """Put the file's policy in a <meta> at the top of <head>: a downloaded file is
    opened from disk, where no HTTP header protects it."""
    # Folium writes every script and style as a bare element; anything else (a
    # src=, an attribute) would escape the hashes below.
    if _TAGS_WITH_ATTRIBUTES.search(html):
        raise RuntimeError("the map file has scripts the policy would not cover")
    policy = file_policy(html)
    head = html.index("<head>") + len("<head>")
    meta = f'<meta http-equiv="Content-Security-Policy" content="{policy}">'
    return f"{html[:head]}\n    {meta}{html[head:]}"


def _areas_fingerprint(city: City) -> str:
    """Changes whenever a kecamatan of the city (drawn in the file) changes."""
    table = AdminArea._meta.db_table
    with connection.cursor() as cursor:
        # Table name from _meta; the city id is a parameter.
        cursor.execute(
            "SELECT md5(coalesce(string_agg(id || ':' || name || ':' || "  # noqa: S608
            f"md5(ST_AsBinary(geom)), ',' ORDER BY id), '')) FROM {table} "
            "WHERE city_id = %s AND level = 'kecamatan'",
            [city.pk],
        )
        return cursor.fetchone()[0]


def static_map_key(
    city: City,
    layers: list[Layer],
    *,
    viewer: str,
    extra: tuple[LayerSource, ...] = (),
    title: str = "",
) -> str:
    """A cache key naming everything the file is built from: the city row, its
    kecamatan, each layer's id (never reused) with its data version (never goes
    back) and what of its metadata enters the file, the language, and who asks."""
    parts = [
        city.pk,
        city.name,
        list(city.boundary.extent),
        [city.default_center.x, city.default_center.y, city.default_zoom],
        _areas_fingerprint(city),
        [
            [
                layer.pk,
                layer.data_version,
                layer.title,
                layer.attribution,
                (layer.style or {}).get("color"),
            ]
            for layer in layers
        ],
        get_language(),
        viewer,
        # Analysis results never change: their keys name them.
        [source.cache_id for source in extra],
        title,
    ]
    digest = hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()
    return f"static-map:{digest}"


def cached_static_map_html(
    city: City,
    layers: list[Layer],
    *,
    viewer: str,
    extra: tuple[LayerSource, ...] = (),
    title: str = "",
) -> str:
    """The file from the shared cache, built once per key: concurrent requests for a
    key not yet built wait for the one building it instead of building it again."""
    key = static_map_key(city, layers, viewer=viewer, extra=extra, title=title)
    html = cache.get(key)
    if html is not None:
        return html
    lock_id = int.from_bytes(
        hashlib.sha256(key.encode()).digest()[:8], "big", signed=True
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [lock_id])
        html = cache.get(key)
        if html is None:
            html = static_map_html(city, layers, extra=extra, title=title)
            cache.set(key, html, CACHE_TIMEOUT_S)
    return html
