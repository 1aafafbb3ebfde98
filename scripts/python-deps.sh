#!/usr/bin/env bash
# Installs the Python tools Volley uses (py-spy, and the seed apps' Flask, aiohttp, pymongo,
# motor) into a virtual environment at .build/pyenv, from the pinned
# examples/seed-apps/requirements.txt. Never touches the system Python. Idempotent: does
# nothing when the environment already holds exactly these requirements.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.build/pyenv
requirements=examples/seed-apps/requirements.txt
stamp="$venv/.requirements.sha256"
want=$(sha256sum "$requirements" | cut -d' ' -f1)
if [ -x "$venv/bin/python" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then exit 0; fi
if ! command -v python3 >/dev/null 2>&1 || ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
  echo "deps: installing python3 python3-venv"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends python3 python3-venv >/dev/null
fi
echo "deps: Python tools into $venv (py-spy, Flask, aiohttp, pymongo, motor)"
mkdir -p .build
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/python" -m pip install -q --disable-pip-version-check -r "$requirements"
echo "$want" > "$stamp"
