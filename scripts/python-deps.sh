#!/usr/bin/env bash
# Installs the Python tools Volley uses (py-spy, the seed apps' Flask, aiohttp, pymongo, motor,
# and the test tools in scripts/python-requirements.txt) into one virtual environment at
# .build/pyenv, from pinned requirement files. Never touches the system Python. Idempotent: does
# nothing when the environment already holds exactly these requirements.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.build/pyenv
requirements=(examples/seed-apps/requirements.txt scripts/python-requirements.txt)
stamp="$venv/.requirements.sha256"
want=$(cat "${requirements[@]}" | sha256sum | cut -d' ' -f1)
if [ -x "$venv/bin/python" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then exit 0; fi
if ! command -v python3 >/dev/null 2>&1 || ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
  echo "deps: installing python3 python3-venv"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends python3 python3-venv >/dev/null
fi
echo "deps: Python tools into $venv (py-spy, Flask, aiohttp, pymongo, motor, kubernetes-validate)"
mkdir -p .build
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/python" -m pip install -q --disable-pip-version-check -r "${requirements[0]}" -r "${requirements[1]}"
echo "$want" > "$stamp"
