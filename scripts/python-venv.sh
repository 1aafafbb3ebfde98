#!/usr/bin/env bash
# Python tools the tests use, in a venv under .build/ (never the system Python). Idempotent:
# pip runs only when a listed package is missing. Other tools join by adding a line to `tools`.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.build/venv
# kubernetes-validate: validates deploy/kubernetes/*.yaml against the Kubernetes JSON schema (ships the schemas, works offline).
tools=("kubernetes-validate==1.37.0")
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
missing=()
for tool in "${tools[@]}"; do
  "$venv/bin/python" -m pip show -q "${tool%%[=<>]*}" >/dev/null 2>&1 || missing+=("$tool")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "deps: pip installing ${missing[*]} into $venv"
"$venv/bin/python" -m pip install -q --disable-pip-version-check "${missing[@]}"
