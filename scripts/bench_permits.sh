#!/usr/bin/env bash
# Permits benchmark: "permits inside a kecamatan polygon, by status, expiring within
# 90 days" and "within 500 m of a point, nearest first" through the JSON API next to
# the same SQL run raw (the statements the API sends, captured), on N permits.
# Runs on a throw-away PostGIS. Usage: scripts/bench_permits.sh [N]
# (default: PETAKOTA_BENCH_PERMITS or 1000000).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/pg.sh

PGDIR=$(mktemp -d /var/tmp/petakota-bench-pg.XXXXXX)
trap 'pg_stop "$PGDIR"; rm -rf "$PGDIR"' EXIT
PORT=$(free_port)
pg_start "$PGDIR" "$PORT" throwaway
pg_createdb "$PORT" petakota

export DATABASE_URL="postgis://postgres@127.0.0.1:$PORT/petakota"
export DJANGO_SECRET_KEY="bench-only-not-secret"
export DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost,testserver"
export DJANGO_MEDIA_ROOT="$PGDIR/media"
PY=.venv/bin/python
$PY manage.py migrate -v 0
$PY manage.py createcachetable
$PY manage.py load_demo -v 0 >/dev/null
$PY scripts/bench_permits.py "${1:-${PETAKOTA_BENCH_PERMITS:-1000000}}"
