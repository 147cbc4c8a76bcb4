#!/usr/bin/env bash
# SensorThings API benchmark: $filter pages, $expand and a geo filter over HTTP
# (gunicorn as make run) next to the same SQL statement run raw, on a year of
# 5-minute readings of 100 datastreams (~10.5 M observations in monthly partitions).
#   STA_BENCH_STREAMS=10 STA_BENCH_DAYS=60   smaller data for a quick run (per property)
#   STA_BENCH_RUNS=30                        requests per case (median)
#   STA_BENCH_EXPLAIN=1                      print each statement's plan
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/pg.sh

PGDIR=$(mktemp -d /var/tmp/petakota-bench-sta-pg.XXXXXX)
GUNICORN_PID=""
cleanup() {
  [ -n "$GUNICORN_PID" ] && kill "$GUNICORN_PID" 2>/dev/null || true
  pg_stop "$PGDIR"; rm -rf "$PGDIR"
}
trap cleanup EXIT
PGPORT_BENCH=$(free_port)
echo "==> Throw-away PostgreSQL + PostGIS on port $PGPORT_BENCH"
pg_start "$PGDIR" "$PGPORT_BENCH"
pg_createdb "$PGPORT_BENCH" petakota

export DATABASE_URL="postgis://postgres@127.0.0.1:$PGPORT_BENCH/petakota"
export DJANGO_SECRET_KEY="bench-only-not-secret"
export DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost"
PY=.venv/bin/python
$PY manage.py migrate -v 0
$PY scripts/bench_sta.py generate

PORT=$(free_port)
.venv/bin/gunicorn gis_platform.wsgi -b "127.0.0.1:$PORT" -w 1 \
  -k gthread --threads 4 --keep-alive 5 --timeout 300 --log-level warning &
GUNICORN_PID=$!
for _ in $(seq 50); do
  curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.2
done
echo "==> Measuring (gunicorn pid $GUNICORN_PID)"
$PY scripts/bench_sta.py measure --port "$PORT"
