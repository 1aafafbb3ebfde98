#!/usr/bin/env bash
# make bench: every benchmark Volley records in BENCHMARKS.md, with its peer in the same run.
set -euo pipefail
BIN=${1:-.build/release/volley}
echo "== generator: volley vs wrk against nginx =="
python3 scripts/bench.py --bin "$BIN"
echo
echo "== reference servers: async vs nginx, sync vs async =="
python3 scripts/bench_servers.py --bin "$BIN"
echo
echo "== generator: --profile (199 Hz) vs off, against nginx =="
python3 scripts/bench_profile.py --bin "$BIN"
echo
echo "== MongoDB-backed routes: sync vs async on /fetch, /multi seq vs gather =="
python3 scripts/bench_db.py --bin "$BIN"
