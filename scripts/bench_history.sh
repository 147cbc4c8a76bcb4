#!/usr/bin/env bash
# History benchmark: import rate with the history triggers on and off (a whole-layer
# load and an append, one bulk event vs one event per feature), and the latency of
# history requests (a feature's versions, the change log, features as_of a time).
# Runs on a throw-away PostGIS. Usage: scripts/bench_history.sh [ROWS] [APPEND_ROWS]
# (defaults 1,000,000 and 200,000).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/pg.sh

PGDIR=$(mktemp -d /var/tmp/petakota-bench-history-pg.XXXXXX)
trap 'pg_stop "$PGDIR"; rm -rf "$PGDIR"' EXIT
PORT=$(free_port)
pg_start "$PGDIR" "$PORT" throwaway
pg_createdb "$PORT" petakota

export DATABASE_URL="postgis://postgres@127.0.0.1:$PORT/petakota"
export DJANGO_SECRET_KEY="bench-only-not-secret"
export DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost,testserver"
PY=.venv/bin/python
$PY manage.py migrate -v 0
$PY manage.py createcachetable
$PY manage.py load_demo -v 0 >/dev/null
$PY scripts/bench_history.py "${1:-1000000}" "${2:-200000}"
