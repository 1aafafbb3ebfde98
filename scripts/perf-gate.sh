#!/usr/bin/env bash
# The CI regression gate (docs/ci.md): one paired bench of SCENARIO on the servers of two builds
# (`volley bench --baseline-binary BASE --server-binary NEW`): for each variant both builds'
# servers run side by side and the load alternates between them in 100 ms slots, so the two
# slots of a pair see the same machine; then `volley compare` judges each figure from the pairs.
#   scripts/perf-gate.sh BASE_VOLLEY NEW_VOLLEY [REPEATS] [SCENARIO]
# REPEATS: paired runs per variant (both servers restarted each time; default: bench's own).
# NEW_VOLLEY also runs the load on both sides. Results and summary.md go to $PERF_GATE_OUT
# (default perf-gate/, which must not exist yet). Exit: compare's (0 ok, 1 regression,
# 2 unusable), or 2 when the bench could not run.
set -euo pipefail
base=${1:?usage: perf-gate.sh BASE_VOLLEY NEW_VOLLEY [REPEATS] [SCENARIO]}
new=${2:?usage: perf-gate.sh BASE_VOLLEY NEW_VOLLEY [REPEATS] [SCENARIO]}
repeats=${3:-}
scenario=${4:-scenarios/ci-smoke.yaml}
out=${PERF_GATE_OUT:-perf-gate}
if [ -e "$out" ]; then echo "perf-gate: $out exists; remove it or set PERF_GATE_OUT" >&2; exit 2; fi
for binary in "$base" "$new"; do
    [ -x "$binary" ] || { echo "perf-gate: $binary is not an executable volley" >&2; exit 2; }
done
name=$(sed -n 's/^name: *//p' "$scenario" | head -1)
started=$(date +%s)
mkdir -p "$out"
# Exit 1 is a failed threshold: the results are written and still compared.
"$new" bench "$scenario" --quick ${repeats:+--repeat "$repeats"} --baseline-binary "$base" --server-binary "$new" \
    --out "$out" >"$out/bench.log" 2>&1 || [ $? -eq 1 ] || { cat "$out/bench.log" >&2; exit 2; }
base_file=$(ls "$out/$name/baseline/"*.json)
new_file=$(ls "$out/$name/"*.json)
status=0
"$new" compare "$base_file" "$new_file" --format md >"$out/summary.md" || status=$?
printf '\nPaired bench (%s); %s s in all.\n' "$(grep -m1 -o '[0-9]* slot pairs' "$out/bench.log" || echo paired)" \
    "$(( $(date +%s) - started ))" >>"$out/summary.md"
cat "$out/summary.md"
exit $status
