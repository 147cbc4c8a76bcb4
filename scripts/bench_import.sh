#!/usr/bin/env bash
# Import benchmark: import_layer vs ogr2ogr (PG_USE_COPY) vs geopandas.to_postgis on
# synthetic files (1M-point CSV, 1M-polygon GeoPackage, 250k-feature Shapefile).
# Sizes can be lowered: scripts/bench_import.sh --points 100000 --polygons 100000 ...
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
source scripts/pg.sh
PGDIR=$(mktemp -d /var/tmp/petakota-bench-import-pg.XXXXXX)
trap 'pg_stop "$PGDIR"; rm -rf "$PGDIR"' EXIT
PORT=$(free_port)
pg_start "$PGDIR" "$PORT" throwaway
pg_createdb "$PORT" petakota
export DATABASE_URL="postgis://postgres@127.0.0.1:$PORT/petakota"
export DJANGO_SECRET_KEY="bench-only-not-secret"
.venv/bin/python -c "import sqlalchemy" 2>/dev/null \
  || .venv/bin/pip install -q --disable-pip-version-check "sqlalchemy>=2,<3" geoalchemy2
.venv/bin/python manage.py migrate --noinput -v 0
.venv/bin/python manage.py createcachetable
.venv/bin/python manage.py load_demo -v 0 >/dev/null
echo "==> Imports (features/s; peak RSS of the importing process)"
.venv/bin/python manage.py bench_import "$@"
