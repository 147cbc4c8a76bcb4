"""Observation settings, read from gis_platform/settings.py (env-driven there) with
the defaults below when a deployment has not set them."""

from __future__ import annotations

from django.conf import settings

DEFAULTS: dict[str, float] = {
    # Errors kept per refused batch (the count is always complete).
    "OBSERVATIONS_MAX_ERRORS": 1000,
    # The same value this many readings running is flagged "stuck".
    "OBSERVATIONS_STUCK_READINGS": 6,
    # A reading further than FACTOR x max(|mean of the previous 5|, FLOOR) from
    # that mean is flagged "spike".
    "OBSERVATIONS_SPIKE_FACTOR": 4.0,
    "OBSERVATIONS_SPIKE_FLOOR": 5.0,
    # Week-on-week price change (%) that raises an alert, unless the property sets
    # its own.
    "OBSERVATIONS_PRICE_ALERT_PCT": 10.0,
    # Largest CSV upload (MB).
    "OBSERVATIONS_IMPORT_MAX_MB": 200,
    # Largest push batch (observations).
    "OBSERVATIONS_PUSH_MAX": 5000,
}


def get(name: str) -> float:
    return float(getattr(settings, name, DEFAULTS[name]))


def get_int(name: str) -> int:
    return int(get(name))
