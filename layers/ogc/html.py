"""What the OGC API's HTML pages show beyond the JSON documents: attribute tables
with the layer's labels, readable link names and the downloads of a collection, in
the page's language."""

from __future__ import annotations

import json
from typing import Any

from django.utils.translation import gettext as _

from layers.data_text import data_text
from layers.engine.sources import LayerSource

ENCLOSURE = "enclosure"


def link_label(link: dict[str, Any]) -> str:
    """A person's name for a link of an OGC document."""
    rel, media = link.get("rel", ""), link.get("type", "")
    if rel == "self":
        return _("This document (JSON)")
    if rel == "alternate" and media == "text/html":
        return _("This page")
    if rel == "items":
        return _("Features (HTML)") if media == "text/html" else _("Features (GeoJSON)")
    if rel.endswith("/queryables"):
        return _("Queryables")
    if rel.endswith("/tilesets-vector"):
        return _("Vector tiles")
    if rel == "service-desc":
        return _("OpenAPI definition (JSON)")
    if rel == "service-doc":
        return _("API documentation")
    if rel == "conformance":
        return _("Conformance classes")
    if rel == "data":
        return _("Collections")
    if rel.endswith("/tiling-schemes"):
        return _("Tiling schemes")
    return link.get("title") or rel


def labelled_links(links: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The links a page lists (downloads are shown on their own)."""
    return [
        {**link, "label": link_label(link)}
        for link in links
        if link.get("rel") != ENCLOSURE
    ]


def downloads(links: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [link for link in links if link.get("rel") == ENCLOSURE]


def columns(source: LayerSource, features: list[dict[str, Any]]) -> list[dict]:
    """Table columns: the source's queryables in schema order (with their labels),
    then any other property the features carry."""
    names = list(source.queryables)
    for feature in features:
        for name in feature.get("properties") or {}:
            if name not in names:
                names.append(name)
    out = []
    for name in names:
        queryable = source.queryables.get(name)
        title = queryable.title if queryable and queryable.title else name
        out.append({"name": name, "label": data_text(title)})
    return out


def cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def rows(cols: list[dict], features: list[dict[str, Any]]) -> list[dict]:
    return [
        {
            "id": feature.get("id"),
            "cells": [
                cell((feature.get("properties") or {}).get(c["name"])) for c in cols
            ],
        }
        for feature in features
    ]
