#!/usr/bin/env bash
# Installs what building and testing Context Bridge needs, once, on a fresh machine:
#   1. Debian packages the odbc native module builds and runs against (unixODBC headers, drivers),
#   2. the npm packages pinned in package-lock.json.
# A second run is a quick no-op. Services (Kafka, ClickHouse, ...) are `ctxb services up`'s job.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { [ "${CTXB_QUIET_BOOTSTRAP:-}" = 1 ] || echo "bootstrap: $*" >&2; }

missing=()
for pkg in unixodbc unixodbc-dev odbc-postgresql odbc-mariadb; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
for cmd in g++ make; do
  command -v "$cmd" >/dev/null || missing+=("$([ "$cmd" = g++ ] && echo g++ || echo make)")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then apt_get=(apt-get)
  elif command -v sudo >/dev/null; then apt_get=(sudo -n apt-get)
  else
    echo "bootstrap: missing Debian packages: ${missing[*]} (install them as root and run again)" >&2
    exit 1
  fi
  say "installing Debian packages: ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive "${apt_get[@]}" update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive "${apt_get[@]}" install -y -q --no-install-recommends "${missing[@]}" >/dev/null
fi

stamp=node_modules/.ctxb-install-stamp
wanted="$(cat package.json package-lock.json | sha256sum | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$wanted" ]; then
  say "installing npm packages from package-lock.json"
  # Not `npm ci`: npm records only this platform's optional native packages (@swc/core-*,
  # …) in the lock file and `npm ci` then refuses it (npm/cli#4828). `install --no-save`
  # installs the locked versions and leaves package.json and the lock file untouched.
  npm install --no-audit --no-fund --no-save --loglevel=error
  node -e "require('odbc')" || { echo "bootstrap: the odbc native module did not build" >&2; exit 1; }
  echo "$wanted" > "$stamp"
fi
