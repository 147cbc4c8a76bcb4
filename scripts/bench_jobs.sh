#!/usr/bin/env bash
# Jobs benchmark: "jobs within 5 km, nearest first" through the selector and the JSON
# API next to the same SQL run raw, on N vacancies in Kota Tangerang.
# Runs on a throw-away PostGIS. Usage: scripts/bench_jobs.sh [N]
# (default: PETAKOTA_BENCH_VACANCIES or 100000).
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
B=data/boundaries
# Only the city and its areas: the bench writes its own vacancies.
$PY manage.py onboard_city kota-tangerang --city $B/kota_tangerang_city.geojson \
  --kecamatan $B/kota_tangerang_kecamatan.geojson \
  --kelurahan $B/kota_tangerang_kelurahan.geojson >/dev/null
$PY scripts/bench_jobs.py "${1:-${PETAKOTA_BENCH_VACANCIES:-100000}}"
