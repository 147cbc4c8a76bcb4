"""The project-local cluster (scripts/pg.sh, what `make run` and `make bench` start)
comes up with the settings chosen for this workload, and the application's own
sessions switch JIT off even where the server's configuration cannot be changed."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import connection

PG_SH = Path(settings.BASE_DIR) / "scripts" / "pg.sh"


def _bash(script: str, *args: str) -> str:
    return subprocess.run(
        ["bash", "-c", f"source {PG_SH}; {script}", "pg", *args],
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout.strip()


def _cluster(mode: str) -> Iterator[psycopg.Connection]:
    # /var/tmp: the server's user must be able to traverse every parent folder.
    datadir = tempfile.mkdtemp(prefix="petakota-settings-test-", dir="/var/tmp")
    port = _bash("free_port")
    try:
        _bash('pg_start "$1" "$2" "$3"', datadir, port, mode)
        with psycopg.connect(
            host="127.0.0.1", port=int(port), user="postgres", dbname="postgres"
        ) as conn:
            yield conn
    finally:
        _bash('pg_stop "$1"', datadir)
        shutil.rmtree(datadir, ignore_errors=True)


@pytest.fixture(scope="module")
def local_cluster() -> Iterator[psycopg.Connection]:
    """Started the way `make run` starts it (durable: no throw-away flags)."""
    yield from _cluster("")


def _show(conn: psycopg.Connection, name: str) -> str:
    return conn.execute(f"SHOW {name}").fetchone()[0]


def _bytes(conn: psycopg.Connection, name: str) -> int:
    # pg_size_bytes understands what SHOW prints ("1GB", "32MB").
    return conn.execute("SELECT pg_size_bytes(current_setting(%s))", [name]).fetchone()[
        0
    ]


def test_local_cluster_runs_without_jit(local_cluster: psycopg.Connection) -> None:
    assert _show(local_cluster, "jit") == "off"


def test_local_cluster_has_memory_sized_for_the_workload(
    local_cluster: psycopg.Connection,
) -> None:
    mib = 1024 * 1024
    assert _bytes(local_cluster, "shared_buffers") > 128 * mib
    assert _bytes(local_cluster, "work_mem") >= 32 * mib
    assert _bytes(local_cluster, "maintenance_work_mem") >= 256 * mib
    assert _bytes(local_cluster, "effective_cache_size") >= 512 * mib


def test_local_cluster_plans_for_ssd_and_bounded_parallelism(
    local_cluster: psycopg.Connection,
) -> None:
    assert float(_show(local_cluster, "random_page_cost")) == pytest.approx(1.1)
    assert int(_show(local_cluster, "effective_io_concurrency")) >= 100
    assert 1 <= int(_show(local_cluster, "max_parallel_workers_per_gather")) <= 4


def test_local_cluster_compresses_cached_tiles_with_lz4(
    local_cluster: psycopg.Connection,
) -> None:
    assert _show(local_cluster, "default_toast_compression") == "lz4"


def test_settings_come_from_the_included_file_and_name_it(
    local_cluster: psycopg.Connection,
) -> None:
    rows = local_cluster.execute(
        "SELECT name, sourcefile FROM pg_settings WHERE name IN "
        "('jit', 'shared_buffers', 'work_mem', 'random_page_cost')"
    ).fetchall()
    assert len(rows) == 4
    for _name, sourcefile in rows:
        assert sourcefile.endswith("/petakota.conf")


def test_local_cluster_keeps_durability() -> None:
    """`make run`'s database must not lose commits: fsync stays on there."""
    for conn in _cluster(""):
        assert _show(conn, "fsync") == "on"
        assert _show(conn, "full_page_writes") == "on"


def test_throwaway_cluster_has_the_same_tuning_without_fsync() -> None:
    for conn in _cluster("throwaway"):
        assert _show(conn, "fsync") == "off"
        assert _show(conn, "jit") == "off"
        assert float(_show(conn, "random_page_cost")) == pytest.approx(1.1)


def test_application_sessions_switch_jit_off_themselves(db: None) -> None:
    """Set by the client (DATABASES OPTIONS), so it holds on any server."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, setting, source FROM pg_settings "
            "WHERE name IN ('jit', 'parallel_setup_cost') ORDER BY name"
        )
        rows = cursor.fetchall()
    assert rows == [
        ("jit", "off", "client"),
        ("parallel_setup_cost", str(settings.PG_PARALLEL_SETUP_COST), "client"),
    ]
