"""A throw-away PostgreSQL + PostGIS cluster of a test's own (scripts/pg.sh), for tests
that restart the server or need databases the test database must not share."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

SCRIPTS = Path(settings.BASE_DIR) / "scripts"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def pg_sh(command: str) -> str:
    """Run `command` in bash with scripts/pg.sh's functions loaded."""
    result = subprocess.run(
        ["bash", "-c", f"set -euo pipefail; source {SCRIPTS}/pg.sh; {command}"],
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


def wait_until(check: Callable[[], bool], deadline_s: float, what: str) -> None:
    """Poll `check` until it is true; fail naming `what` after `deadline_s`."""
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        try:
            if check():
                return
        except Exception:  # noqa: S110 - not up yet
            pass
        time.sleep(0.5)
    raise AssertionError(f"gave up waiting: {what}")


@dataclass
class Cluster:
    datadir: str
    port: int

    def url(self, dbname: str) -> str:
        return f"postgis://postgres@127.0.0.1:{self.port}/{dbname}"

    def psql(self, dbname: str, sql: str) -> str:
        return pg_sh(
            f'"$(pg_bindir)/psql" -X -q -tA -h 127.0.0.1 -p {self.port} -U postgres '
            f"-d {dbname} -c {_quote(sql)}"
        ).strip()

    def createdb(self, dbname: str) -> None:
        pg_sh(f"pg_createdb {self.port} {dbname}")

    def restart(self) -> None:
        # -l: the server must not inherit (and hold open) this command's output.
        pg_sh(
            f'pg_as "$(pg_bindir)/pg_ctl" -D {self.datadir} '
            f"-l {self.datadir}/server.log -m fast -w restart >/dev/null"
        )


def _quote(text: str) -> str:
    return "'" + text.replace("'", "'\"'\"'") + "'"


@contextmanager
def throwaway_cluster() -> Iterator[Cluster]:
    # /var/tmp: the server's OS user must be able to reach the data folder.
    datadir = tempfile.mkdtemp(dir="/var/tmp", prefix="petakota-ops-pg.")
    cluster = Cluster(datadir, free_port())
    try:
        pg_sh(f"pg_start {datadir} {cluster.port} throwaway")
        yield cluster
    finally:
        pg_sh(f"pg_stop {datadir}")
        shutil.rmtree(datadir, ignore_errors=True)


def manage(*args: str, env: dict[str, str], timeout_s: int = 600) -> str:
    result = subprocess.run(
        [str(Path(settings.BASE_DIR) / ".venv/bin/python"), "manage.py", *args],
        cwd=settings.BASE_DIR,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=timeout_s,
    )
    if result.returncode != 0:
        raise AssertionError(
            f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
        )
    return result.stdout
