# Project-local PostgreSQL + PostGIS cluster helpers. Source this file, then call
#   pg_start DATADIR PORT [throwaway]   # initdb when needed, configure, start, wait
#   pg_stop DATADIR
# As root, the server binaries run as the `postgres` OS user (initdb refuses root).

pg_bindir() { ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1; }

pg_as() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# A data folder whose parents the server's user can traverse: the preferred one, or a
# folder under /var/tmp named after the preferred one (STACK.md: /root is not traversable).
pg_datadir_for() {
  local want="$1"
  mkdir -p "$(dirname "$want")"
  if [ "$(id -u)" = 0 ] && ! runuser -u postgres -- test -x "$(dirname "$want")"; then
    local key
    key=$(printf '%s' "$(realpath -m "$want")" | md5sum | cut -c1-12)
    echo "/var/tmp/petakota-pg-$key"
  else
    echo "$want"
  fi
}

# Settings chosen for this workload (tiles, GeoJSON pages, spatial queries, bulk
# imports), written to DATADIR/petakota.conf and included from postgresql.conf, so
# `SHOW` and pg_settings name where each came from. The same lines with the same reasons
# for a managed database are in docs/architecture.md ("Production PostgreSQL settings").
# Sizes follow the machine's RAM; PETAKOTA_PG_SHARED_BUFFERS etc. override them.
pg_tuning_conf() {
  local ram_mb cpus sb ecs gather
  ram_mb=$(awk '/^MemTotal:/ {print int($2 / 1024)}' /proc/meminfo)
  cpus=$(nproc)
  sb=$((ram_mb / 4)); [ "$sb" -gt 1024 ] && sb=1024; [ "$sb" -lt 128 ] && sb=128
  ecs=$((ram_mb / 2)); [ "$ecs" -lt 512 ] && ecs=512
  gather=$((cpus / 2)); [ "$gather" -lt 1 ] && gather=1; [ "$gather" -gt 4 ] && gather=4
  cat <<EOF
# Written by scripts/pg.sh on every start: edit the script, not this file.
# JIT compiles a query's expressions when its estimated cost passes jit_above_cost.
# PostGIS functions (ST_AsMVT, ST_AsMVTGeom, ST_Intersects) carry high cost estimates,
# so tile and page queries crossed it: JIT took 250 ms of a 256 ms sparse tile, and
# no request here runs long enough to earn back the compilation.
jit = off
# Stock 128MB holds a fraction of a 1M-feature layer and its indexes; a quarter of
# RAM (capped at 1GB for a dev machine) keeps the hot layers' pages in PostgreSQL.
shared_buffers = ${PETAKOTA_PG_SHARED_BUFFERS:-${sb}MB}
# Per sort/hash node: ST_AsMVT's aggregate, json_agg pages and counts per area sort
# and hash in memory instead of spilling to temporary files at the stock 4MB.
work_mem = ${PETAKOTA_PG_WORK_MEM:-32MB}
# Index builds after an import (the GiST on 1M geometries) and VACUUM.
maintenance_work_mem = ${PETAKOTA_PG_MAINTENANCE_WORK_MEM:-256MB}
# A planner hint, not an allocation: how much of the data the OS cache holds.
# Half of RAM makes index scans look as cheap as they are.
effective_cache_size = ${PETAKOTA_PG_EFFECTIVE_CACHE_SIZE:-${ecs}MB}
# SSD storage: a random read costs about a sequential one (stock 4.0 is for disks),
# so the planner takes the GiST and B-tree indexes for selective bboxes.
random_page_cost = 1.1
# SSD: bitmap heap scans prefetch this many pages concurrently.
effective_io_concurrency = 200
# The application's sessions set parallel_setup_cost = 10000 (a worker starts with
# cold PostGIS/PROJ caches, 10-20 ms), so only large scans (counts per area over a
# whole layer, imports' index builds) go parallel; half the cores each, so
# concurrent requests keep a core.
max_parallel_workers_per_gather = ${gather}
max_parallel_maintenance_workers = ${gather}
# Bulk imports write GBs of WAL: fewer forced checkpoints in the middle of a COPY.
max_wal_size = 4GB
# New TOASTed values (cached tiles up to MBs, big properties and geometries) compress
# with LZ4 instead of pglz: caching a 1.7 MB first-view tile took 63 ms, now 9 ms.
default_toast_compression = lz4
EOF
}

# Write DATADIR/petakota.conf and include it from postgresql.conf (once).
pg_configure() {
  local dir="$1"
  if [ "${PETAKOTA_PG_TUNING:-}" = stock ]; then
    # PostgreSQL's defaults, for before/after measurements only.
    echo "# PETAKOTA_PG_TUNING=stock: PostgreSQL's defaults" >"$dir/petakota.conf"
  else
    pg_tuning_conf >"$dir/petakota.conf"
  fi
  grep -q "^include_if_exists = 'petakota.conf'" "$dir/postgresql.conf" \
    || echo "include_if_exists = 'petakota.conf'" >>"$dir/postgresql.conf"
  if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$dir/petakota.conf"; fi
}

pg_start() {
  local dir="$1" port="$2" mode="${3:-}" bin
  bin=$(pg_bindir)
  mkdir -p "$dir"
  [ "$(id -u)" = 0 ] && chown postgres:postgres "$dir" && chmod 700 "$dir"
  if [ ! -f "$dir/PG_VERSION" ]; then
    pg_as "$bin/initdb" -D "$dir" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  fi
  pg_configure "$dir"
  local opts="-p $port -k $dir -c listen_addresses=127.0.0.1"
  if [ "$mode" = throwaway ]; then
    opts="$opts -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
  fi
  pg_as "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -w -t 60 -o "$opts" start >/dev/null
  # PostGIS in template1 so every new database (the test database too) has it.
  "$bin/psql" -X -q -h 127.0.0.1 -p "$port" -U postgres -d template1 \
    -c "CREATE EXTENSION IF NOT EXISTS postgis" >/dev/null
}

pg_stop() {
  local dir="$1"
  [ -f "$dir/postmaster.pid" ] || return 0
  pg_as "$(pg_bindir)/pg_ctl" -D "$dir" -m fast -w stop >/dev/null 2>&1 || true
}

pg_createdb() {
  local port="$1" name="$2"
  "$(pg_bindir)/psql" -X -q -h 127.0.0.1 -p "$port" -U postgres -d postgres -tAc \
    "SELECT 1 FROM pg_database WHERE datname='$name'" | grep -q 1 \
    || "$(pg_bindir)/createdb" -h 127.0.0.1 -p "$port" -U postgres "$name"
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
