#!/usr/bin/env bash
# Installs what is missing for PetaKota: system packages (PostgreSQL + PostGIS, GDAL,
# optionally Chromium for browser tests) and the project's virtualenv in .venv.
# Usage: scripts/bootstrap.sh [--browser]
set -euo pipefail
cd "$(dirname "$0")/.."

want_browser=0
[ "${1:-}" = "--browser" ] && want_browser=1

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

pkgs=(postgresql postgresql-postgis gdal-bin gettext)
[ "$want_browser" = 1 ] && pkgs+=(chromium)
missing=()
for p in "${pkgs[@]}"; do
  case "$p" in
    # any major version of PostgreSQL with a matching PostGIS 3 will do
    postgresql) compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || missing+=(postgresql) ;;
    postgresql-postgis)
      compgen -G "/usr/share/postgresql/*/extension/postgis.control" >/dev/null \
        || missing+=("postgresql-$(ls /usr/lib/postgresql 2>/dev/null | sort -V | tail -1 || true)-postgis-3") ;;
    *) dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p") ;;
  esac
done
if ! python3 -c "import venv, ensurepip" 2>/dev/null; then missing+=(python3-venv); fi

if [ "${#missing[@]}" -gt 0 ]; then
  # "postgresql--postgis-3" means no server was installed yet: take the distribution default.
  fixed=()
  for p in "${missing[@]}"; do
    if [ "$p" = "postgresql--postgis-3" ]; then fixed+=(postgis); else fixed+=("$p"); fi
  done
  echo "==> Installing system packages: ${fixed[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${fixed[@]}" >/dev/null
fi

if [ ! -x .venv/bin/python ]; then
  echo "==> Creating virtualenv .venv"
  python3 -m venv .venv
fi
# Reinstall only when the dependencies (pyproject.toml) changed, compared by content.
stamp=.venv/.petakota-installed
want=$(sha256sum pyproject.toml | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "==> Installing Python packages"
  .venv/bin/pip install -q --disable-pip-version-check --upgrade pip
  .venv/bin/pip install -q --disable-pip-version-check -e ".[dev]"
  echo "$want" > "$stamp"
fi
