import io
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client

from gis_platform.health import settings_that_hurt


def test_healthz_reports_database_postgis_and_migrations(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    assert body["postgis"].startswith("3.")
    assert body["migrations"] == "applied"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_healthz_is_503_when_the_database_is_down():
    """A real server process whose database does not answer."""
    port, dead_port = _free_port(), _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"postgis://postgres@127.0.0.1:{dead_port}/nothing",
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
        ],
        cwd=Path(settings.BASE_DIR),
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10)
            except urllib.error.HTTPError as exc:
                status, body = exc.code, json.loads(exc.read())
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
            else:
                pytest.fail("healthz answered 200 with no database")
        assert status == 503
        assert body["status"] == "error"
        assert body["database"] == "unreachable"
    finally:
        server.terminate()
        server.wait(10)


def test_check_deploy_is_clean_with_production_values():
    env = {
        **{
            k: v
            for k, v in os.environ.items()
            if k not in ("DJANGO_ALLOW_ASYNC_UNSAFE", "DJANGO_SECURE_COOKIES")
        },
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": "k3y-" + "Zx9!" * 16,
        "DJANGO_ALLOWED_HOSTS": "peta.example.go.id",
        "DJANGO_SECURE_SSL_REDIRECT": "true",
        "DJANGO_HSTS_SECONDS": "31536000",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=Path(settings.BASE_DIR),
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_missing_secret_key_in_production_is_a_clear_error():
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SECRET_KEY"}
    env["DJANGO_DEBUG"] = "false"
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=Path(settings.BASE_DIR),
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def _session_setting(name: str, value: str) -> None:
    """Only this test's session: the server's configuration stays as it is."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config(%s, %s, false)", [name, value])


def test_chosen_settings_leave_nothing_to_review_but_the_test_clusters_fsync(db):
    # scripts/test.sh runs a throw-away cluster with fsync off on purpose.
    assert {item["setting"] for item in settings_that_hurt()} <= {"fsync"}
    body = Client().get("/healthz").json()
    assert body["database_settings"] in ("ok", "1 to review")


def test_healthz_counts_settings_that_hurt_and_shows_them_to_staff_only(
    client, django_user_model, db
):
    _session_setting("jit", "on")
    _session_setting("work_mem", "4MB")
    anonymous = client.get("/healthz")
    assert anonymous.status_code == 200  # slow is not down
    body = anonymous.json()
    assert body["status"] == "ok"
    assert body["database_settings"] in ("2 to review", "3 to review")
    assert "database_settings_to_review" not in body

    staff = django_user_model.objects.create_user("ops", password="x", is_staff=True)
    client.force_login(staff)
    detail = client.get("/healthz").json()["database_settings_to_review"]
    by_name = {item["setting"]: item for item in detail}
    assert by_name["jit"]["value"] == "on"
    assert "jit = off" in by_name["jit"]["fix"]
    assert by_name["work_mem"]["value"] == "4MB"
    assert "random_page_cost" not in by_name


def test_check_db_settings_command_fails_on_jit_and_names_the_fix(db):
    _session_setting("jit", "on")
    out = io.StringIO()
    with pytest.raises(CommandError, match="to review"):
        call_command("check_db_settings", stdout=out)
    assert "jit = on" in out.getvalue()
    assert "change to: jit = off" in out.getvalue()
