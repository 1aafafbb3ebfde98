#!/usr/bin/env bash
# The sampler's CPU tax on a busy thread, on the thread's own CPU clock (see sampler_overhead.c).
# Usage: scripts/sampler-overhead.sh [HZ] [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cc -O2 -g -pthread -I Sources/CSampler/include scripts/sampler_overhead.c Sources/CSampler/sampler.c -ldl -o "$out/overhead"
"$out/overhead" "${1:-199}" "${2:-10}"
