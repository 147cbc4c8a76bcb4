"""A layer's style without JSON: single symbol, categorized by an attribute (a colour
per value from a palette, with the legend) or graduated by a numeric attribute
(quantile, equal interval or natural breaks — Fisher-Jenks, via mapclassify — with a
colour ramp); point size, line width, fill opacity, labels.

Stored once in `Layer.style`: `color` (the first class, what older readers use),
`radius`, `width`, `fill_opacity`, `label` and `renderer` = {"type", "attribute",
"method", "classes": [{"value" | "min"/"max", "color", "label"}]}. The city map,
its legend and map.html read it; `style_sld` and `style_qml` export it for QGIS and
GeoServer.
"""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape, quoteattr

import mapclassify
import numpy as np
from django.db import connection

from gis_platform.edges import EdgeError
from layers.models import Feature, Layer
from layers.schema import private_names

# Colour-blind-safe qualitative palette (Okabe-Ito, then Tableau 10).
PALETTE = (
    "#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#f0e442",
    "#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#9c755f", "#bab0ac",
)  # fmt: skip
# Sequential ramps (ColorBrewer), light to dark, 7 steps.
RAMPS = {
    "blues": [
        "#eff3ff",
        "#c6dbef",
        "#9ecae1",
        "#6baed6",
        "#4292c6",
        "#2171b5",
        "#084594",
    ],
    "reds": [
        "#fee5d9",
        "#fcbba1",
        "#fc9272",
        "#fb6a4a",
        "#ef3b2c",
        "#cb181d",
        "#99000d",
    ],
    "greens": [
        "#edf8e9",
        "#c7e9c0",
        "#a1d99b",
        "#74c476",
        "#41ab5d",
        "#238b45",
        "#005a32",
    ],
    "yellow-red": [
        "#ffffb2",
        "#fed976",
        "#feb24c",
        "#fd8d3c",
        "#fc4e2a",
        "#e31a1c",
        "#b10026",
    ],
}
METHODS = {
    "quantile": mapclassify.Quantiles,
    "equal_interval": mapclassify.EqualInterval,
    "natural_breaks": mapclassify.FisherJenks,
}
MAX_CATEGORIES = 12
SAMPLE_ROWS = 5000


def _values(layer: Layer, attribute: str, numeric: bool) -> list[Any]:
    table = Feature._meta.db_table
    value = "(properties->>%s)" + ("::numeric" if numeric else "")
    with connection.cursor() as cursor:
        # A sample of a big layer is enough to place class breaks.
        cursor.execute(
            f"SELECT {value} FROM {table} WHERE layer_id = %s "  # noqa: S608 - table from _meta, value a fixed expression
            "AND properties ? %s AND properties->>%s IS NOT NULL "
            "ORDER BY random() LIMIT %s",
            [attribute, layer.pk, attribute, attribute, SAMPLE_ROWS],
        )
        return [row[0] for row in cursor.fetchall()]


def _ramp(name: str, n: int) -> list[str]:
    colours = RAMPS.get(name, RAMPS["blues"])
    if n == 1:
        return [colours[-1]]
    return [colours[round(i * (len(colours) - 1) / (n - 1))] for i in range(n)]


def _attribute(layer: Layer, name: str, kinds: tuple[str, ...]) -> dict[str, Any]:
    fields = {f["name"]: f for f in layer.schema}
    if name not in fields or name in private_names(layer.schema):
        raise EdgeError("attribute", "is not a public attribute of this layer.")
    if fields[name]["type"] not in kinds:
        raise EdgeError("attribute", f"must be of type {' or '.join(kinds)}.")
    return fields[name]


def build_style(layer: Layer, spec: dict[str, Any]) -> dict[str, Any]:
    """The stored style for a form's choices (classes computed from the data)."""
    kind = spec.get("type", "single")
    color = spec.get("color") or PALETTE[0]
    renderer: dict[str, Any] = {"type": kind}
    if kind == "categorized":
        attribute = _attribute(
            layer, spec.get("attribute", ""), ("text", "integer", "boolean")
        )
        values = sorted({str(v) for v in _values(layer, attribute["name"], False)})
        if len(values) > MAX_CATEGORIES:
            raise EdgeError(
                "attribute",
                f"has {len(values)} values; categories show at most {MAX_CATEGORIES}.",
            )
        renderer |= {
            "attribute": attribute["name"],
            "classes": [
                {"value": v, "color": PALETTE[i % len(PALETTE)], "label": v}
                for i, v in enumerate(values)
            ],
        }
    elif kind == "graduated":
        attribute = _attribute(layer, spec.get("attribute", ""), ("integer", "number"))
        method = spec.get("method", "quantile")
        if method not in METHODS:
            raise EdgeError("method", f"use one of {', '.join(METHODS)}.")
        numbers = np.array([float(v) for v in _values(layer, attribute["name"], True)])
        if numbers.size == 0:
            raise EdgeError("attribute", "has no values to classify.")
        k = max(2, min(int(spec.get("classes") or 5), 7))
        k = min(k, len(np.unique(numbers)))
        bins = list(METHODS[method](numbers, k=k).bins) if k > 1 else [numbers.max()]
        colours = _ramp(spec.get("ramp", "blues"), len(bins))
        low = float(numbers.min())
        classes = []
        for colour, high in zip(colours, bins, strict=True):
            classes.append(
                {
                    "min": round(low, 6),
                    "max": round(float(high), 6),
                    "color": colour,
                    "label": f"{low:g} - {float(high):g}",
                }
            )
            low = float(high)
        renderer |= {
            "attribute": attribute["name"],
            "method": method,
            "classes": classes,
        }
        color = classes[0]["color"]
    elif kind != "single":
        raise EdgeError("type", "use single, categorized or graduated.")
    label = spec.get("label") or ""
    if label:
        _attribute(layer, label, ("text", "integer", "number", "date", "boolean"))
    return {
        **{k: v for k, v in (layer.style or {}).items() if k == "tile_properties"},
        "color": color,
        "radius": max(2, min(int(spec.get("radius") or 6), 30)),
        "width": max(0.5, min(float(spec.get("width") or 2), 12)),
        "fill_opacity": max(0.0, min(float(spec.get("fill_opacity") or 0.25), 1.0)),
        "label": label,
        "renderer": renderer,
    }


def _rules(style: dict[str, Any]) -> list[tuple[str, str, dict[str, Any] | None]]:
    """(title, colour, filter) per class; filter None: every feature."""
    renderer = style.get("renderer") or {}
    classes = renderer.get("classes") or []
    if renderer.get("type") == "categorized":
        return [
            (c["label"], c["color"], {"eq": (renderer["attribute"], c["value"])})
            for c in classes
        ]
    if renderer.get("type") == "graduated":
        return [
            (
                c["label"],
                c["color"],
                {"between": (renderer["attribute"], c["min"], c["max"])},
            )
            for c in classes
        ]
    return [("", style.get("color", PALETTE[0]), None)]


def _sld_symbolizer(layer: Layer, style: dict[str, Any], colour: str) -> str:
    opacity = style.get("fill_opacity", 0.25)
    width = style.get("width", 2)
    if "Point" in layer.geometry_type:
        size = style.get("radius", 6) * 2
        return (
            "<se:PointSymbolizer><se:Graphic><se:Mark><se:WellKnownName>circle"
            f'</se:WellKnownName><se:Fill><se:SvgParameter name="fill">{colour}'
            '</se:SvgParameter></se:Fill><se:Stroke><se:SvgParameter name="stroke">'
            "#ffffff</se:SvgParameter></se:Stroke></se:Mark>"
            f"<se:Size>{size}</se:Size></se:Graphic></se:PointSymbolizer>"
        )
    if "Line" in layer.geometry_type:
        return (
            '<se:LineSymbolizer><se:Stroke><se:SvgParameter name="stroke">'
            f'{colour}</se:SvgParameter><se:SvgParameter name="stroke-width">{width}'
            "</se:SvgParameter></se:Stroke></se:LineSymbolizer>"
        )
    return (
        '<se:PolygonSymbolizer><se:Fill><se:SvgParameter name="fill">'
        f'{colour}</se:SvgParameter><se:SvgParameter name="fill-opacity">{opacity}'
        '</se:SvgParameter></se:Fill><se:Stroke><se:SvgParameter name="stroke">'
        f'{colour}</se:SvgParameter><se:SvgParameter name="stroke-width">{width}'
        "</se:SvgParameter></se:Stroke></se:PolygonSymbolizer>"
    )


def _sld_filter(rule: dict[str, Any] | None) -> str:
    if rule is None:
        return ""
    if "eq" in rule:
        name, value = rule["eq"]
        return (
            "<ogc:Filter><ogc:PropertyIsEqualTo><ogc:PropertyName>"
            f"{escape(name)}</ogc:PropertyName><ogc:Literal>{escape(str(value))}"
            "</ogc:Literal></ogc:PropertyIsEqualTo></ogc:Filter>"
        )
    name, low, high = rule["between"]
    return (
        "<ogc:Filter><ogc:PropertyIsBetween><ogc:PropertyName>"
        f"{escape(name)}</ogc:PropertyName><ogc:LowerBoundary><ogc:Literal>{low}"
        "</ogc:Literal></ogc:LowerBoundary><ogc:UpperBoundary><ogc:Literal>"
        f"{high}</ogc:Literal></ogc:UpperBoundary></ogc:PropertyIsBetween></ogc:Filter>"
    )


def style_sld(layer: Layer) -> str:
    """The style as an SLD 1.1 document (QGIS, GeoServer)."""
    style = layer.style or {}
    rules = "".join(
        f"<se:Rule><se:Name>{escape(title or layer.title)}</se:Name>"
        f"{_sld_filter(rule)}{_sld_symbolizer(layer, style, colour)}</se:Rule>"
        for title, colour, rule in _rules(style)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<StyledLayerDescriptor version="1.1.0" '
        'xmlns="http://www.opengis.net/sld" xmlns:se="http://www.opengis.net/se" '
        'xmlns:ogc="http://www.opengis.net/ogc">'
        f"<NamedLayer><se:Name>{escape(layer.slug)}</se:Name><UserStyle>"
        f"<se:Name>{escape(layer.title)}</se:Name><se:FeatureTypeStyle>{rules}"
        "</se:FeatureTypeStyle></UserStyle></NamedLayer></StyledLayerDescriptor>\n"
    )


def _qml_symbol(layer: Layer, style: dict[str, Any], index: int, colour: str) -> str:
    rgb = ",".join(str(int(colour[i : i + 2], 16)) for i in (1, 3, 5))
    if "Point" in layer.geometry_type:
        kind, cls = "marker", "SimpleMarker"
        props = {
            "color": f"{rgb},255",
            "name": "circle",
            "size": str(style.get("radius", 6) * 2),
            "size_unit": "Pixel",
            "outline_color": "255,255,255,255",
        }
    elif "Line" in layer.geometry_type:
        kind, cls = "line", "SimpleLine"
        props = {
            "line_color": f"{rgb},255",
            "line_width": str(style.get("width", 2)),
            "line_width_unit": "Pixel",
        }
    else:
        kind, cls = "fill", "SimpleFill"
        alpha = round(255 * float(style.get("fill_opacity", 0.25)))
        props = {
            "color": f"{rgb},{alpha}",
            "outline_color": f"{rgb},255",
            "outline_width": str(style.get("width", 2)),
            "outline_width_unit": "Pixel",
        }
    options = "".join(
        f'<Option name={quoteattr(k)} value={quoteattr(v)} type="QString"/>'
        for k, v in props.items()
    )
    return (
        f'<symbol name="{index}" type="{kind}" alpha="1"><layer class="{cls}">'
        f'<Option type="Map">{options}</Option></layer></symbol>'
    )


def style_qml(layer: Layer) -> str:
    """The style as a QGIS layer style file (.qml)."""
    style = layer.style or {}
    renderer = style.get("renderer") or {"type": "single"}
    rules = _rules(style)
    symbols = "".join(
        _qml_symbol(layer, style, i, colour) for i, (_t, colour, _r) in enumerate(rules)
    )
    attr = quoteattr(renderer.get("attribute", ""))
    if renderer.get("type") == "categorized":
        items = "".join(
            f'<category render="true" symbol="{i}" '
            f"value={quoteattr(str(rule['eq'][1]))} label={quoteattr(title)}/>"
            for i, (title, _c, rule) in enumerate(rules)
            if rule
        )
        body = (
            f'<renderer-v2 type="categorizedSymbol" attr={attr}>'
            f"<categories>{items}</categories><symbols>{symbols}</symbols></renderer-v2>"
        )
    elif renderer.get("type") == "graduated":
        items = "".join(
            f'<range render="true" symbol="{i}" lower="{rule["between"][1]}" '
            f'upper="{rule["between"][2]}" label={quoteattr(title)}/>'
            for i, (title, _c, rule) in enumerate(rules)
            if rule
        )
        body = (
            f'<renderer-v2 type="graduatedSymbol" attr={attr}>'
            f"<ranges>{items}</ranges><symbols>{symbols}</symbols></renderer-v2>"
        )
    else:
        body = (
            '<renderer-v2 type="singleSymbol">'
            f"<symbols>{symbols}</symbols></renderer-v2>"
        )
    label = style.get("label")
    labeling = (
        '<labeling type="simple"><settings><text-style fieldName='
        f"{quoteattr(label)}/></settings></labeling>"
        if label
        else ""
    )
    return (
        "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n"
        '<qgis version="3.22.0" styleCategories="Symbology|Labeling">'
        f"{body}{labeling}</qgis>\n"
    )


def colour_of(style: dict[str, Any], properties: dict[str, Any] | None) -> str:
    """The colour a feature gets from a stored style (as the city map draws it)."""
    renderer = style.get("renderer") or {}
    classes = renderer.get("classes") or []
    value = (properties or {}).get(renderer.get("attribute", ""))
    if renderer.get("type") == "categorized" and value is not None:
        for c in classes:
            if str(c["value"]) == str(value):
                return str(c["color"])
    if renderer.get("type") == "graduated" and value not in (None, ""):
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = None
        if number is not None:
            for i, c in enumerate(classes):
                if number <= c["max"] or i == len(classes) - 1:
                    return str(c["color"])
    return str(style.get("color") or "#555555")


def leaflet_style(style: dict[str, Any], feature: dict[str, Any]) -> dict[str, Any]:
    """Leaflet path options for one GeoJSON feature (the shareable map.html)."""
    colour = colour_of(style, feature.get("properties"))
    if "Point" in str((feature.get("geometry") or {}).get("type", "")):
        return {"fillColor": colour}
    return {
        "color": colour,
        "fillColor": colour,
        "weight": style.get("width", 2),
        "fillOpacity": style.get("fill_opacity", 0.25),
    }
