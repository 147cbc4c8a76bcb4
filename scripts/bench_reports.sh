#!/usr/bin/env bash
# Report ingest benchmark: submissions/s through the JSON API next to a raw SQL INSERT
# of the same rows, and the time until a new report is visible in the public GeoJSON.
# Runs on a throw-away PostGIS. Usage: scripts/bench_reports.sh [N]   (default 300)
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
export PETAKOTA_REPORT_RATE="1000000/h"
PY=.venv/bin/python
$PY manage.py migrate -v 0
$PY manage.py createcachetable
$PY manage.py load_demo -v 0 >/dev/null
$PY manage.py seed_report_categories >/dev/null
$PY scripts/bench_reports.py "${1:-300}"
