#!/usr/bin/env bash
# `make run`: install what is missing, start the project-local PostGIS (unless DATABASE_URL
# is set), migrate, load the demo city and serve http://127.0.0.1:${PORT:-8000}.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
source scripts/pg.sh
[ -f .env ] && set -a && source .env && set +a

PGDIR=""
pids=()
cleanup() {
  # No errexit in here: every step must run even when one fails.
  set +e
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null; done
  if [ -n "$PGDIR" ]; then echo "==> Stopping PostgreSQL"; pg_stop "$PGDIR"; fi
}
trap cleanup EXIT
trap 'exit 0' INT TERM

if [ -z "${DATABASE_URL:-}" ]; then
  PGPORT_LOCAL="${PETAKOTA_PG_PORT:-54329}"
  PGDIR=$(pg_datadir_for "$PWD/var/pgdata")
  echo "==> Starting project-local PostgreSQL + PostGIS in $PGDIR (port $PGPORT_LOCAL)"
  pg_start "$PGDIR" "$PGPORT_LOCAL"
  pg_createdb "$PGPORT_LOCAL" petakota
  export DATABASE_URL="postgis://postgres@127.0.0.1:$PGPORT_LOCAL/petakota"
fi

# A stable local secret so sessions survive restarts; production sets its own.
if [ -z "${DJANGO_SECRET_KEY:-}" ]; then
  mkdir -p var
  [ -f var/secret_key ] || .venv/bin/python -c "import secrets; print(secrets.token_urlsafe(50))" > var/secret_key
  DJANGO_SECRET_KEY=$(cat var/secret_key)
  export DJANGO_SECRET_KEY
fi
export DJANGO_ALLOWED_HOSTS="${DJANGO_ALLOWED_HOSTS:-127.0.0.1,localhost}"
# Served on plain HTTP at 127.0.0.1: cookies cannot be Secure there.
export DJANGO_SECURE_COOKIES="${DJANGO_SECURE_COOKIES:-false}"

PY=.venv/bin/python
$PY manage.py migrate --noinput
# The shared cache (rate limits across gunicorn workers) is a table: see settings.
$PY manage.py createcachetable
$PY manage.py collectstatic --noinput -v 0
$PY manage.py load_demo
$PY manage.py seed_report_categories
PORT="${PORT:-8000}"
echo "==> PetaKota on http://127.0.0.1:$PORT/kota-tangerang/  (Ctrl-C stops it and the database)"
# gthread workers keep connections alive (a sync worker closes each one, so every tile
# or page of a burst paid a new TCP connection) and a slow client holds one thread,
# not a whole worker; measured in docs/BENCHMARKS.md.
.venv/bin/gunicorn gis_platform.wsgi --bind "127.0.0.1:$PORT" --workers "${WEB_CONCURRENCY:-3}" \
  --worker-class gthread --threads "${WEB_THREADS:-4}" --keep-alive 5 \
  --access-logfile - --graceful-timeout 5 &
pids+=($!)

# Background work (imports, purges, escalations) on procrastinate: PostgreSQL is the
# queue's broker. The worker stops when its database connection breaks (a PostgreSQL
# restart, a network blip), so it runs under a supervisor that starts it again: after
# 1 s, then 2, 4, ... at most 30 s while it keeps failing; back to 1 s once it has run
# for a minute. Nothing waits for a person to restart it.
supervise_worker() {
  local delay=1 started rc worker=""
  # A background job of a non-interactive shell ignores SIGINT: cleanup sends TERM.
  trap '[ -n "$worker" ] && kill "$worker" 2>/dev/null; wait; exit 0' TERM
  while true; do
    started=$SECONDS
    PROCRASTINATE_LOG_LEVEL="${PROCRASTINATE_LOG_LEVEL:-INFO}" \
      $PY manage.py procrastinate worker &
    worker=$!
    rc=0
    wait "$worker" || rc=$?
    worker=""
    [ $((SECONDS - started)) -ge 60 ] && delay=1
    echo "==> Worker stopped (exit $rc); starting it again in ${delay}s" >&2
    sleep "$delay" &
    wait $! || true
    delay=$((delay * 2 > 30 ? 30 : delay * 2))
  done
}
supervise_worker &
pids+=($!)
# Stop everything when gunicorn ends (the supervisor does not), or on Ctrl-C, through
# the traps above.
wait -n "${pids[@]}"
