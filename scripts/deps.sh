#!/usr/bin/env bash
# Installs the Debian packages Volley needs to build, test, demo and benchmark.
# Idempotent: does nothing when everything is there; runs apt-get only for what is missing.
set -euo pipefail
# libmongoc-dev brings libbson-dev; python3-pymongo is the independent client the MongoWire tests use.
# libdw-dev and libunwind-dev serve the profiler (symbols, unwinding).
# libluajit2-5.1-dev is the LuaJIT that runs wrk scripts (-s), the Lua Debian's wrk links.
packages=(pkg-config libuv1-dev zlib1g-dev libdw-dev libunwind-dev wrk nginx-light procps libmongoc-dev python3-pymongo libluajit2-5.1-dev)
# chromium: the reports' headless browser check (ReportsTests) and the screenshots in docs/.
packages+=(chromium)
# python3-venv: Python tools the tests use live in .build/venv, never in the system Python.
packages+=(python3-venv)
# Once the Debian packages are in (also when none was missing), the venv tools: scripts/python-venv.sh.
trap 'status=$?; if [ $status -eq 0 ]; then "$(dirname "$0")/python-venv.sh" || status=$?; fi; exit $status' EXIT
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# py-spy and the seed apps' Python packages, in a venv under .build/ (never the system Python).
"$(dirname "$0")/python-deps.sh"
[ ${#missing[@]} -eq 0 ] && exit 0
echo "deps: installing ${missing[*]}"
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# nginx-light's package starts a system nginx on port 80; benchmarks start their own on loopback.
if command -v systemctl >/dev/null 2>&1; then $SUDO systemctl disable --now nginx >/dev/null 2>&1 || true; fi
$SUDO pkill -x nginx >/dev/null 2>&1 || true
