"""Open311 GeoReport v2 output: the same payload as JSON or XML, and the spec's errors.

XML is built with ElementTree, so every text is escaped (and characters XML cannot
carry are dropped); list members get the element
names the spec uses (<services><service>, <service_requests><request>, ...)."""

from __future__ import annotations

import json
import re
from typing import Any
from xml.etree import ElementTree as ET

from django.http import HttpResponse

ITEM_TAGS = {
    "services": "service",
    "service_requests": "request",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "errors": "error",
    "tokens": "token",
}


def _fill(element: ET.Element, value: Any) -> None:
    if isinstance(value, dict):
        for key, child in value.items():
            _fill(ET.SubElement(element, key), child)
    elif isinstance(value, list):
        tag = ITEM_TAGS.get(element.tag, "item")
        for child in value:
            _fill(ET.SubElement(element, tag), child)
    elif value is None:
        return
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    else:
        element.text = xml_text(str(value))


# Characters XML 1.0 cannot carry, even escaped: C0 controls but TAB/LF/CR, lone
# surrogates, U+FFFE/U+FFFF. Input refuses them; rows stored before that are cleaned
# here, so the feed stays well-formed whatever is in the database.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(value: str) -> str:
    return _NOT_XML.sub("", value)


def render(payload: Any, fmt: str, *, root: str, status: int = 200) -> HttpResponse:
    """`payload` as JSON, or as XML under the `root` element."""
    if fmt == "xml":
        element = ET.Element(root)
        _fill(element, payload)
        body = ET.tostring(element, encoding="utf-8", xml_declaration=True)
        return HttpResponse(body, content_type="text/xml; charset=utf-8", status=status)
    return HttpResponse(
        json.dumps(payload, ensure_ascii=False),
        content_type="application/json; charset=utf-8",
        status=status,
    )


def render_error(fmt: str, status: int, description: str) -> HttpResponse:
    """The spec's error list: [{"code": 400, "description": "..."}]."""
    return render(
        [{"code": status, "description": description}],
        fmt,
        root="errors",
        status=status,
    )
