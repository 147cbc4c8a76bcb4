"""GET /healthz: is the database reachable, which PostGIS, are migrations applied, and
which database settings are known to hurt this workload (details for staff, and
`manage.py check_db_settings`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

MIB = 1024 * 1024


@dataclass(frozen=True)
class SettingRule:
    name: str
    hurts: Callable[[str, int | None], bool]  # (value, size in bytes or None)
    why: str
    fix: str


# Settings as the application's sessions see them (server configuration plus the
# session options in DATABASES). Each rule names a value measured to cost time or
# data here; the reasons are in scripts/pg.sh and docs/architecture.md.
RULES = (
    SettingRule(
        "jit",
        lambda v, _b: v == "on",
        "JIT compiles PostGIS tile and page queries: 250 ms of a 256 ms tile.",
        "jit = off (or keep DATABASES OPTIONS '-c jit=off')",
    ),
    SettingRule(
        "shared_buffers",
        lambda _v, b: b is not None and b <= 128 * MIB,
        "PostgreSQL's stock 128MB holds a fraction of a big layer and its indexes.",
        "shared_buffers = 25% of RAM",
    ),
    SettingRule(
        "work_mem",
        lambda _v, b: b is not None and b <= 4 * MIB,
        "Stock 4MB: tile aggregates and counts per area spill sorts to disk.",
        "work_mem = 32MB",
    ),
    SettingRule(
        "random_page_cost",
        lambda v, _b: float(v) >= 4.0,
        "Stock 4.0 assumes spinning disks; on SSD the planner skips good indexes.",
        "random_page_cost = 1.1 (SSD or network block storage)",
    ),
    SettingRule(
        "parallel_setup_cost",
        lambda v, _b: float(v) < settings.PG_PARALLEL_SETUP_COST,
        "Small pages and nearest-N go to parallel workers with cold PostGIS caches.",
        "keep DATABASES OPTIONS '-c parallel_setup_cost=10000'",
    ),
    SettingRule(
        "default_toast_compression",
        lambda v, _b: v == "pglz",
        "pglz compresses cached tiles slowly: a 1.7 MB tile's cache write 63 ms.",
        "default_toast_compression = lz4",
    ),
    SettingRule(
        "fsync",
        lambda v, _b: v == "off",
        "A crash can lose or corrupt committed data (test clusters only).",
        "fsync = on",
    ),
)


def settings_that_hurt(conn: BaseDatabaseWrapper = connection) -> list[dict[str, str]]:
    """One entry per setting with a value known to hurt: name, value, why, fix."""
    with conn.cursor() as cursor:
        cursor.execute(
            "SELECT name, current_setting(name), "
            "CASE WHEN unit IS NOT NULL AND vartype = 'integer' "
            "THEN pg_size_bytes(current_setting(name)) END "
            "FROM pg_settings WHERE name = ANY(%s)",
            [[rule.name for rule in RULES]],
        )
        values = {name: (value, size) for name, value, size in cursor.fetchall()}
    found = []
    for rule in RULES:
        if rule.name in values and rule.hurts(*values[rule.name]):
            value = values[rule.name][0]
            found.append(
                {"setting": rule.name, "value": value, "why": rule.why, "fix": rule.fix}
            )
    return found


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT postgis_lib_version(), version()")
            postgis, postgres = cursor.fetchone()
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
        to_review = settings_that_hurt()
    except DatabaseError as exc:
        connection.close()
        return JsonResponse(
            {
                "status": "error",
                "database": "unreachable",
                "detail": str(exc).strip().splitlines()[0] if str(exc).strip() else "",
            },
            status=503,
        )
    body = {
        "status": "ok" if not pending else "error",
        "database": "ok",
        "postgis": postgis,
        "postgresql": postgres.split(" on ")[0],
        "migrations": "applied" if not pending else f"{len(pending)} pending",
        # Slow is not down: a monitor keeps a 200; the operator sees what to change.
        "database_settings": ("ok" if not to_review else f"{len(to_review)} to review"),
    }
    if to_review and request.user.is_staff:
        # Names and values of the server's configuration: staff only.
        body["database_settings_to_review"] = to_review
    return JsonResponse(body, status=200 if not pending else 503)
