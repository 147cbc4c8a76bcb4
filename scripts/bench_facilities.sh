#!/usr/bin/env bash
# Help-nearby benchmark: "nearest 3 facilities of each kind" through the selector and
# the JSON API next to the same SQL statement run raw (issue 15: <= 1.2x raw + 2 ms).
# Runs on a throw-away PostGIS with the demo city plus BENCH_FACILITIES synthetic
# facilities (default 100000) spread over Kota Tangerang.
# Usage: scripts/bench_facilities.sh [QUERIES]   (default 300 random points)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/pg.sh

PGDIR=$(mktemp -d /var/tmp/petakota-bench-pg.XXXXXX)
trap 'pg_stop "$PGDIR"; rm -rf "$PGDIR"' EXIT
PORT=$(free_port)
# The same durability as `make run`'s cluster (not the tests' fsync=off).
pg_start "$PGDIR" "$PORT"
pg_createdb "$PORT" petakota

export DATABASE_URL="postgis://postgres@127.0.0.1:$PORT/petakota"
export DJANGO_SECRET_KEY="bench-only-not-secret"
export DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost,testserver"
PY=.venv/bin/python
$PY manage.py migrate -v 0
$PY manage.py createcachetable
$PY manage.py load_demo -v 0 >/dev/null
$PY scripts/bench_facilities.py "${1:-300}"
