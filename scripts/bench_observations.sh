#!/usr/bin/env bash
# Observations benchmark: latest value of every station, a year of daily means, the
# ISPU map and CSV ingest, each as a ratio to the same SQL run raw (or raw COPY).
# Runs on a throw-away PostGIS. Sizes: BENCH_OBS_ROWS (default 10000000) and
# BENCH_OBS_CSV_ROWS (default 200000), e.g. BENCH_OBS_ROWS=1000000 for a quick run.
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
$PY scripts/bench_observations.py
