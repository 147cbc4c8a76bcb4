"""Structured logs: one line per event, `key=value` pairs a log shipper can parse.

    from gis_platform.log import log_event
    log_event(logger, "report.submitted", city="tangerang", ticket="ABC123")

writes `ts=2026-11-27T08:00:00Z level=INFO logger=reports.services
event=report.submitted city=tangerang ticket=ABC123`. Values with spaces, quotes or
`=` are quoted; newlines are escaped, so a value can never forge a second line.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

_PLAIN = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:/@+,"
)


def _value(value: object) -> str:
    text = str(value)
    if text and all(ch in _PLAIN for ch in text):
        return text
    escaped = (
        text.replace("\\", "\\\\")
        .replace('"', '\\"')
        .replace("\n", "\\n")
        .replace("\r", "\\r")
    )
    return f'"{escaped}"'


class KeyValueFormatter(logging.Formatter):
    """`ts=… level=… logger=… event=… key=value …`; a record not written with
    log_event carries its message as `msg=`, and an exception as `exc=`."""

    converter: Callable[[float | None], time.struct_time] = time.gmtime

    def format(self, record: logging.LogRecord) -> str:
        parts = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%SZ"),
            "level": record.levelname,
            "logger": record.name,
        }
        fields: dict[str, Any] = getattr(record, "fields", None) or {}
        event = getattr(record, "event", None)
        if event:
            parts["event"] = event
        else:
            parts["msg"] = record.getMessage()
        line = " ".join(
            f"{key}={_value(value)}"
            for key, value in {**parts, **fields}.items()
            if value is not None
        )
        if record.exc_info:
            line += " exc=" + _value(self.formatException(record.exc_info))
        return line


def log_event(
    logger: logging.Logger,
    event: str,
    *,
    level: int = logging.INFO,
    exc_info: bool = False,
    **fields: object,
) -> None:
    """Log one event with its fields (ids, slugs, counts — never personal data)."""
    logger.log(
        level,
        event,
        extra={"event": event, "fields": fields},
        exc_info=exc_info,
    )
