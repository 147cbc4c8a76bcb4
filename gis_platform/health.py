"""GET /healthz: is the database reachable, which PostGIS, are migrations applied."""

from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT postgis_lib_version(), version()")
            postgis, postgres = cursor.fetchone()
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
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
    }
    return JsonResponse(body, status=200 if not pending else 503)
