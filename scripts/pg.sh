# Project-local PostgreSQL + PostGIS cluster helpers. Source this file, then call
#   pg_start DATADIR PORT [throwaway]   # initdb when needed, start, wait
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

pg_start() {
  local dir="$1" port="$2" mode="${3:-}" bin
  bin=$(pg_bindir)
  mkdir -p "$dir"
  [ "$(id -u)" = 0 ] && chown postgres:postgres "$dir" && chmod 700 "$dir"
  if [ ! -f "$dir/PG_VERSION" ]; then
    pg_as "$bin/initdb" -D "$dir" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  fi
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
