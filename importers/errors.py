"""Exceptions of the import pipeline, each with a message a GIS officer can act on."""


class ImportFailed(Exception):
    """An import that cannot go ahead; nothing was changed."""


class ImportCancelled(ImportFailed):
    """The job was cancelled while running; everything was rolled back."""


class LayerConflict(ImportFailed):
    """A new layer cannot take the slug asked for: another layer or one of the
    platform's own collections has it (HTTP 409)."""
