#!/usr/bin/env bash
# Installs the Debian packages Volley needs to build, test, demo and benchmark.
# Idempotent: does nothing when everything is there; runs apt-get only for what is missing.
set -euo pipefail
# libmongoc-dev brings libbson-dev; python3-pymongo is the independent client the MongoWire tests use.
# libdw-dev and libunwind-dev serve the profiler (symbols, unwinding).
packages=(pkg-config libssl-dev libuv1-dev zlib1g-dev libdw-dev libunwind-dev wrk nginx-light procps libmongoc-dev python3-pymongo)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
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
