#!/usr/bin/env bash
# make demo: start a loopback server, run a short load against it, keep the result.
set -euo pipefail
BIN=${1:-.build/release/volley}
OUT=results/demo
mkdir -p "$OUT"
log=$(mktemp)
"$BIN" fixture --behaviour ok --port 0 >"$log" &
server=$!
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true; rm -f "$log"' EXIT
for _ in $(seq 50); do grep -q listening "$log" && break; sleep 0.1; done
url=$(sed -n 's/^listening on //p' "$log")
[ -n "$url" ] || { echo "demo: the server did not start" >&2; exit 1; }
stamp=$(date -u +%Y%m%dT%H%M%SZ)
"$BIN" -t2 -c50 -d3s --latency --json "$OUT/$stamp.json" --hgrm "$OUT/$stamp.hgrm" "$url"
echo
echo "result:   $OUT/$stamp.json"
echo "spectrum: $OUT/$stamp.hgrm"
