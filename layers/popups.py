"""Words the city map's popups need beyond a layer's schema: labels for the property
keys registered sources carry (the citizen reports layer has no schema labels), and
labels for coded values, in the page's language."""

from __future__ import annotations

from django.utils.translation import gettext as _


def popup_text() -> dict[str, dict[str, object]]:
    # The reports app registers its layer in the engine; its status codes are the
    # one coded value shown in popups. Imported here, not at module level, so the
    # layers app does not depend on reports to load.
    from reports.models import Status

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
        "values": {"status": {s.value: str(s.label) for s in Status}},
    }
