#!/usr/bin/env bash
# Control-room benchmark: every figure of the dashboard page (indicators per city,
# category, agency x category, kecamatan and kelurahan; heatmap; least recently
# updated; the feed) over N reports and their timeline, as a ratio to the same SQL run
# raw. Runs on a throw-away PostGIS.
# Usage: scripts/bench_dashboard.sh [N]   (default BENCH_DASHBOARD_REPORTS or 1000000)
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
PY=.venv/bin/python
$PY manage.py migrate -v 0
B=data/boundaries
$PY manage.py onboard_city kota-tangerang --city $B/kota_tangerang_city.geojson \
  --kecamatan $B/kota_tangerang_kecamatan.geojson \
  --kelurahan $B/kota_tangerang_kelurahan.geojson >/dev/null
$PY manage.py seed_report_categories >/dev/null
$PY scripts/bench_dashboard.py "${1:-${BENCH_DASHBOARD_REPORTS:-1000000}}"
