#!/usr/bin/env bash
# Planner analyses benchmark: hexagon bins of 1 M points at 500 m, a coverage gap at
# 250 m cells against 1,000 facilities, hot spots (Gi*) on 100 k points, and every
# analysis on the demo city's own layers; ratios to the same SQL run raw.
# Runs on a throw-away PostGIS. Sizes: PLANNER_BENCH_POINTS (1000000),
# PLANNER_BENCH_FACILITIES (1000), PLANNER_BENCH_HOT_POINTS (100000).
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
$PY scripts/bench_planner.py
