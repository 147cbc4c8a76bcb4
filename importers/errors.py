"""Exceptions of the import pipeline, each with a message a GIS officer can act on.

Messages never show where files live on the server: GDAL, pyogrio and zipfile name
the full path of the upload or of its unpacked copy, so every message is scrubbed
of absolute paths (a path becomes its file name) when the exception is made."""

from __future__ import annotations

import re

# An absolute path (optionally behind a GDAL virtual prefix such as /vsizip/): two or
# more segments, ending at whitespace, a quote, a colon or a comma.
_PATH = re.compile(r"""(?<![\w:/.])(?:/vsi[a-z0-9_]+/)?(?:/[^/\s'"`:,;]+){2,}""")


def scrub_paths(message: str) -> str:
    """`message` with every absolute file path replaced by its last segment."""
    return _PATH.sub(lambda m: m.group(0).rsplit("/", 1)[-1], message)


class ImportFailed(Exception):
    """An import that cannot go ahead; nothing was changed."""

    def __init__(self, message: str = "", *args: object) -> None:
        super().__init__(scrub_paths(str(message)), *args)


class ImportCancelled(ImportFailed):
    """The job was cancelled while running; everything was rolled back."""


class LayerConflict(ImportFailed):
    """A new layer cannot take the slug asked for: another layer or one of the
    platform's own collections has it (HTTP 409)."""
