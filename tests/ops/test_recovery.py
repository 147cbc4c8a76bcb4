"""`make run` keeps serving through a PostgreSQL restart: the worker, which stops when
its database connection breaks, is started again and processes jobs; the web answers."""

from __future__ import annotations

import os
import signal
import subprocess
import urllib.request
from pathlib import Path

from django.conf import settings

from tests.ops.pg_cluster import (
    Cluster,
    free_port,
    manage,
    throwaway_cluster,
    wait_until,
)


def _healthz(port: int) -> int:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as r:
        return r.status


def _job_is_processed(cluster: Cluster, timestamp: int, what: str) -> None:
    manage(
        "procrastinate",
        "defer",
        "reports.escalate_overdue",
        f'{{"timestamp": {timestamp}}}',
        env={"DATABASE_URL": cluster.url("petakota")},
    )
    status = (
        "SELECT status FROM procrastinate_jobs WHERE task_name = "
        f"'reports.escalate_overdue' AND args->>'timestamp' = '{timestamp}'"
    )
    wait_until(lambda: cluster.psql("petakota", status) == "succeeded", 180, what)


def test_run_stack_comes_back_after_a_postgresql_restart(tmp_path: Path):
    with throwaway_cluster() as cluster:
        cluster.createdb("petakota")
        web_port = free_port()
        env = {
            **os.environ,
            "DATABASE_URL": cluster.url("petakota"),
            "PORT": str(web_port),
            "WEB_CONCURRENCY": "1",
            "DJANGO_SECRET_KEY": "test-only-not-secret",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "DJANGO_MEDIA_ROOT": str(tmp_path / "media"),
        }
        log_path = tmp_path / "run.log"
        with log_path.open("w") as log:
            run = subprocess.Popen(
                ["scripts/run.sh"],
                cwd=settings.BASE_DIR,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            # Migrations and the demo city first: a generous deadline.
            wait_until(lambda: _healthz(web_port) == 200, 600, "make run serves")
            _job_is_processed(cluster, 4241, "the worker runs")
            cluster.restart()
            _job_is_processed(cluster, 4242, "a job deferred after the restart runs")
            assert run.poll() is None, log_path.read_text()[-3000:]
            wait_until(lambda: _healthz(web_port) == 200, 60, "the web answers")
            assert "starting it again" in log_path.read_text()
        finally:
            os.killpg(run.pid, signal.SIGTERM)
            run.wait(timeout=60)
