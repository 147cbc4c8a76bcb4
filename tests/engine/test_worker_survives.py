"""Issue 9 item 7: coordinates such as ±1e308 once made GEOS 3.11's WKT writer abort
the gunicorn worker (SIGABRT); 30 requests killed 30 workers. A real gunicorn process
must answer each of them with a 400 and keep serving."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

pytestmark = pytest.mark.django_db(transaction=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _database_url() -> str:
    db = connection.settings_dict
    user = db["USER"] or "postgres"
    return f"postgis://{user}@{db['HOST'] or '127.0.0.1'}:{db['PORT']}/{db['NAME']}"


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def _hostile_urls(base: str) -> list[str]:
    huge = 1e308
    ring = [[-huge, -huge], [huge, -huge], [huge, huge], [-huge, -huge]]
    polygon = json.dumps({"type": "Polygon", "coordinates": [ring]})
    layer = f"{base}/api/kota-tangerang/layers/sekolah"
    items = f"{base}/ogc/kota-tangerang/collections/sekolah/items"
    cql = "S_INTERSECTS(geometry, POLYGON((1e308 0, 1 1, 0 1, 1e308 0)))"
    return [
        f"{layer}/within?geometry={quote(polygon)}",
        f"{items}?filter={quote(cql)}",
        f"{items}?bbox-crs=EPSG:3857&bbox=-1e308,-1e308,1e308,1e308",
    ]


def test_gunicorn_worker_survives_huge_coordinates(tangerang):
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "DJANGO_SECRET_KEY": "x" * 50,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "gis_platform.wsgi",
            "-b",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
        ],
        cwd=Path(settings.BASE_DIR),
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                status, _ = _get(f"{base}/healthz")
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.2)
        assert status == 200
        urls = _hostile_urls(base)
        for i in range(30):
            url = urls[i % len(urls)]
            status, body = _get(url)
            assert status == 400, (url, status, body[:200])
            doc = json.loads(body)
            # The JSON API's error body; OGC API's standard exception.
            assert "detail" in doc if "/api/" in url else doc["code"], doc
        status, _ = _get(f"{base}/healthz")
        assert status == 200
    finally:
        server.terminate()
        _, stderr = server.communicate(timeout=20)
    # gunicorn logs every worker it has to replace.
    assert b"WORKER TIMEOUT" not in stderr
    assert b"exited with code" not in stderr
    assert b"was sent SIGABRT" not in stderr
