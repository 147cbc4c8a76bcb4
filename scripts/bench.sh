#!/usr/bin/env bash
# `make bench`: a throw-away PostGIS configured like `make run`'s (scripts/pg.sh), the
# demo city plus 1M points, 5k sparse points and 100k polygons, gunicorn on 127.0.0.1,
# then each hot path over HTTP next to the same SQL run raw.
#   BENCH_POINTS / BENCH_SPARSE / BENCH_POLYGONS   smaller data for a quick run
#   BENCH_WORKER_CLASS=sync BENCH_THREADS=1        another gunicorn worker class
#   PETAKOTA_PG_TUNING=stock                       PostgreSQL's defaults (before/after)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
source scripts/pg.sh

PGDIR=$(mktemp -d /var/tmp/petakota-bench-pg.XXXXXX)
GUNICORN_PID=""
cleanup() {
  [ -n "$GUNICORN_PID" ] && kill "$GUNICORN_PID" 2>/dev/null || true
  pg_stop "$PGDIR"; rm -rf "$PGDIR"
}
trap cleanup EXIT
PGPORT_BENCH=$(free_port)
echo "==> Throw-away PostgreSQL + PostGIS on port $PGPORT_BENCH"
# Not the test suite's fsync=off mode: the same durability as `make run`'s cluster.
pg_start "$PGDIR" "$PGPORT_BENCH"
pg_createdb "$PGPORT_BENCH" petakota

export DATABASE_URL="postgis://postgres@127.0.0.1:$PGPORT_BENCH/petakota"
export DJANGO_SECRET_KEY="bench-only-not-secret"
export DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost"
export PETAKOTA_MAX_PAGE_SIZE=50000
PY=.venv/bin/python
$PY manage.py migrate -v 0
$PY manage.py createcachetable
$PY manage.py load_demo -v 0 >/dev/null
$PY manage.py collectstatic --noinput -v 0
echo "==> Generating ${BENCH_POINTS:-1000000} points, ${BENCH_SPARSE:-5000} sparse points, ${BENCH_POLYGONS:-100000} polygons"
$PY -c "import django,os;os.environ.setdefault('DJANGO_SETTINGS_MODULE','gis_platform.settings');django.setup();from bench.data import generate;generate()"

PORT=$(free_port)
echo "==> gunicorn: 1 worker, class ${BENCH_WORKER_CLASS:-gthread}, threads ${BENCH_THREADS:-4} (as make run)"
.venv/bin/gunicorn gis_platform.wsgi -b "127.0.0.1:$PORT" -w 1 \
  -k "${BENCH_WORKER_CLASS:-gthread}" --threads "${BENCH_THREADS:-4}" --keep-alive 5 \
  --timeout 300 --log-level warning &
GUNICORN_PID=$!
for _ in $(seq 50); do
  curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.2
done
WORKERS=$(pgrep -P "$GUNICORN_PID" | paste -sd, -)
echo "==> Measuring (gunicorn pid $GUNICORN_PID, worker $WORKERS)"
$PY -m bench.run --port "$PORT" --workers "$WORKERS" \
  --dsn "postgresql://postgres@127.0.0.1:$PGPORT_BENCH/petakota"
