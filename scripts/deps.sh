#!/usr/bin/env bash
# Installs the Debian packages Volley needs to build, test, demo and benchmark, then the Python
# tools (scripts/python-deps.sh, a venv under .build/). Idempotent: runs apt-get only for what is
# missing and pip only when the pinned requirements changed.
set -euo pipefail
# libmongoc-dev brings libbson-dev; python3-pymongo is the independent client the MongoWire tests use.
# libdw-dev and libunwind-dev serve the profiler (symbols, unwinding).
# libssl-dev: OpenSSL 3 for https (generator and servers).
# libluajit2-5.1-dev is the LuaJIT that runs wrk scripts (-s), the Lua Debian's wrk links.
# chromium: the reports' headless browser check (ReportsTests) and the screenshots in docs/.
# python3-venv: the Python tools live in .build/pyenv, never in the system Python.
packages=(pkg-config libssl-dev libuv1-dev zlib1g-dev libdw-dev libunwind-dev wrk nginx-light procps libmongoc-dev
          python3-pymongo libluajit2-5.1-dev chromium python3-venv)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "deps: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # nginx-light's package starts a system nginx on port 80; benchmarks start their own on loopback.
  if command -v systemctl >/dev/null 2>&1; then $SUDO systemctl disable --now nginx >/dev/null 2>&1 || true; fi
  $SUDO pkill -x nginx >/dev/null 2>&1 || true
fi
# py-spy, the seed apps' Python packages and the test tools, in a venv under .build/.
"$(dirname "$0")/python-deps.sh"
