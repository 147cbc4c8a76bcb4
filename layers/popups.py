"""Words the city map's popups need beyond a layer's schema: labels for the property
keys registered sources carry (the citizen reports layer has no schema labels), and
labels for coded values, in the page's language."""

from __future__ import annotations

from collections.abc import Callable

from django.utils.translation import gettext as _

# field -> a function giving {code: label} in the active language. Apps whose sources
# carry coded values register them (reports: its statuses) from their AppConfig.ready,
# so the layers app imports none of them.
_CODED_VALUES: dict[str, Callable[[], dict[str, str]]] = {}


def register_coded_values(field: str, labels: Callable[[], dict[str, str]]) -> None:
    _CODED_VALUES[field] = labels


def popup_text() -> dict[str, dict[str, object]]:
    return {
        "fields": {
            "ticket": _("Ticket"),
            "category_name": _("Category"),
            "status": _("Status"),
            "description": _("Description"),
            "kelurahan": _("Kelurahan"),
            "kecamatan": _("Kecamatan"),
            "agency": _("Agency"),
            "supporters": _("Supporters"),
            "created": _("Submitted"),
            "updated": _("Updated"),
            "due": _("Target date"),
            "overdue": _("overdue"),
        },
        "values": {field: labels() for field, labels in _CODED_VALUES.items()},
    }
