#!/usr/bin/env bash
# `make test`: install what is missing (Chromium too), run the whole suite against a
# throw-away PostGIS cluster, and fail when anything fails or no test ran.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh --browser
source scripts/pg.sh

PGDIR=$(mktemp -d /var/tmp/petakota-test-pg.XXXXXX)
trap 'pg_stop "$PGDIR"; rm -rf "$PGDIR"' EXIT
PGPORT_TEST=$(free_port)
echo "==> Throw-away PostgreSQL + PostGIS on port $PGPORT_TEST"
pg_start "$PGDIR" "$PGPORT_TEST" throwaway
pg_createdb "$PGPORT_TEST" petakota

export DATABASE_URL="postgis://postgres@127.0.0.1:$PGPORT_TEST/petakota"
export DJANGO_SECRET_KEY="test-only-not-secret"
export DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost,testserver"
export DJANGO_ALLOW_ASYNC_UNSAFE=true
# Tests talk plain HTTP to 127.0.0.1: cookies cannot be Secure there.
export DJANGO_SECURE_COOKIES=false
export DJANGO_STATIC_MANIFEST=false

PY=.venv/bin/python
# SKIP_LINT=1 scripts/test.sh tests/some/dir  runs a subset while developing.
if [ "${SKIP_LINT:-0}" != 1 ]; then
  echo "==> ruff"
  .venv/bin/ruff check .
  .venv/bin/ruff format --check . >/dev/null || { .venv/bin/ruff format --check .; exit 1; }
  echo "==> mypy"
  DJANGO_SECRET_KEY=mypy-only .venv/bin/mypy gis_platform tenancy layers importers workflow reports observations permits jobs facilities dashboard planner demo bench
  echo "==> migrations are committed"
  $PY manage.py makemigrations --check --dry-run >/dev/null
fi
echo "==> static files"
$PY manage.py collectstatic --noinput -v 0
echo "==> pytest"
set +e
$PY -m pytest "$@"
rc=$?
set -e
if [ "$rc" = 5 ]; then echo "No test ran: failing." >&2; exit 1; fi
exit "$rc"
