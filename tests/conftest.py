"""Shared fixtures: real PostGIS (pytest-django), Debian's Chromium for Playwright, and
the demo data the tests build on."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

DATA = Path(settings.BASE_DIR) / "data"
BOUNDARIES = DATA / "boundaries"

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    """Playwright cannot download its browser here: drive Debian's Chromium."""
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


@pytest.fixture(scope="session", autouse=True)
def _async_unsafe() -> None:
    # Playwright's sync API runs an event loop in the test thread.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def tangerang(db):
    """Kota Tangerang: 13 kecamatan, 104 kelurahan, agencies and demo layers."""
    from tenancy.models import City

    call_command("load_demo", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
    return City.objects.get(slug="kota-tangerang")


@pytest.fixture
def gorontalo(db):
    from tenancy.models import City

    call_command(
        "onboard_city",
        "kota-gorontalo",
        "--city",
        str(BOUNDARIES / "kota_gorontalo_city.geojson"),
        "--kecamatan",
        str(BOUNDARIES / "kota_gorontalo_kecamatan.geojson"),
        "--kelurahan",
        str(BOUNDARIES / "kota_gorontalo_kelurahan.geojson"),
        stdout=open(os.devnull, "w"),  # noqa: SIM115
    )
    return City.objects.get(slug="kota-gorontalo")


@pytest.fixture
def external_requests(page) -> list[str]:
    """Every URL the page requested outside 127.0.0.1 (must stay empty)."""
    seen: list[str] = []

    def record(request) -> None:
        url = request.url
        if not url.startswith(
            ("http://127.0.0.1", "http://localhost", "data:", "blob:")
        ):
            seen.append(url)

    page.on("request", record)
    return seen


@pytest.fixture
def console_errors(page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return errors
