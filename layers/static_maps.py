"""Shareable static maps: one self-contained HTML file (folium) that opens anywhere,
offline, with the city's boundaries and chosen layers.

folium's pages load Leaflet, jQuery and Bootstrap from public CDNs and draw nothing
offline. Here the map is built with no tile layer, only Leaflet is kept, and Leaflet's
own JS and CSS (django-leaflet's copy) are inlined into the file.
"""

from __future__ import annotations

import json
from pathlib import Path

import folium
from django.contrib.staticfiles import finders
from django.db.models import QuerySet
from django.utils.html import escape

from layers.engine.geojson import stream_feature_collection
from layers.engine.sources import LayerSource, admin_area_source, feature_layer_source
from layers.engine.sql import Query
from layers.models import City, Layer

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


def static_map_html(city: City, layers: QuerySet[Layer] | list[Layer]) -> str:
    """The city map as one HTML document with every asset inlined."""
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
        name="Kecamatan",
        style_function=lambda _: {
            "color": "#1f3b4d",
            "weight": 2,
            "fillColor": "#e9efe6",
            "fillOpacity": 0.35,
        },
        on_each_feature=folium.JsCode(_TOOLTIP_JS),
    ).add_to(fmap)
    attributions = []
    for layer in layers:
        data = _collection(feature_layer_source(layer), MAX_FEATURES_PER_LAYER + 1)
        if not data["features"]:
            continue
        name = layer.title
        if len(data["features"]) > MAX_FEATURES_PER_LAYER:
            del data["features"][MAX_FEATURES_PER_LAYER:]
            name = f"{layer.title} ({MAX_FEATURES_PER_LAYER:,} first)"
        colour = (layer.style or {}).get("color", "#555555")
        folium.GeoJson(
            data,
            name=name,
            marker=folium.CircleMarker(
                radius=6,
                color="#ffffff",
                weight=1,
                fill=True,
                fill_color=colour,
                fill_opacity=0.95,
            ),
            style_function=lambda _, c=colour: {"color": c, "weight": 2},
            # folium's GeoJsonPopup writes property values as HTML; build the popup
            # from text nodes instead.
            on_each_feature=folium.JsCode(_POPUP_JS),
        ).add_to(fmap)
        if layer.attribution:
            attributions.append(layer.attribution)
    folium.LayerControl(collapsed=False).add_to(fmap)
    fmap.fit_bounds([[extent[1], extent[0]], [extent[3], extent[2]]])
    fmap.get_root().header.add_child(
        folium.Element(f"<title>{escape(city.name)} — PetaKota</title>")
    )
    html = fmap.get_root().render()
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
    return html
