"""Text stored as data, shown in the page's language when the project has it.

A layer's title and description are data, written by whoever made the layer. The demo
loader writes its descriptions as messages of the project's catalogue (marked with
gettext_noop in load_demo), so they read in Indonesian or English like the rest of the
page; any other text is shown as it was written."""

from __future__ import annotations

from django.utils.translation import gettext


def data_text(text: str) -> str:
    # gettext("") would return the catalogue's header, hence the guard.
    return gettext(text) if text else text
