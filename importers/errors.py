"""Exceptions of the import pipeline, each with a message a GIS officer can act on."""


class ImportFailed(Exception):
    """An import that cannot go ahead; nothing was changed."""


class ImportCancelled(ImportFailed):
    """The job was cancelled while running; everything was rolled back."""
