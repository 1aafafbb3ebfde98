#!/usr/bin/env bash
# The CI regression gate (docs/ci.md): runs SCENARIO on the servers of two builds, alternating
# whole runs (base, new, base, new, …) so drift of the machine hits both alike, then compares
# the two sides with `volley compare` (each side's runs pooled as repeats).
#   scripts/perf-gate.sh BASE_VOLLEY NEW_VOLLEY [REPEATS] [SCENARIO]
# NEW_VOLLEY also runs the load on both sides. Results and summary.md go to $PERF_GATE_OUT
# (default perf-gate/, which must not exist yet). Exit: compare's (0 ok, 1 regression,
# 2 unusable), or 2 when a run could not be made.
set -euo pipefail
base=${1:?usage: perf-gate.sh BASE_VOLLEY NEW_VOLLEY [REPEATS] [SCENARIO]}
new=${2:?usage: perf-gate.sh BASE_VOLLEY NEW_VOLLEY [REPEATS] [SCENARIO]}
repeats=${3:-5}
scenario=${4:-scenarios/ci-smoke.yaml}
out=${PERF_GATE_OUT:-perf-gate}
if [ -e "$out" ]; then echo "perf-gate: $out exists; remove it or set PERF_GATE_OUT" >&2; exit 2; fi
for binary in "$base" "$new"; do
    [ -x "$binary" ] || { echo "perf-gate: $binary is not an executable volley" >&2; exit 2; }
done
name=$(sed -n 's/^name: *//p' "$scenario" | head -1)
started=$(date +%s)
for i in $(seq "$repeats"); do
    for side in base new; do
        binary=$base; [ "$side" = new ] && binary=$new
        echo "== $side, run $i of $repeats"
        # Exit 1 is a failed threshold: the result is written and still compared.
        "$new" bench "$scenario" --quick --repeat 1 --server-binary "$binary" --out "$out/$side" >>"$out.$side.log" 2>&1 \
            || [ $? -eq 1 ] || { cat "$out.$side.log" >&2; exit 2; }
    done
done
mkdir -p "$out"
mv "$out".base.log "$out".new.log "$out"/
status=0
"$new" compare "$out/base/$name" "$out/new/$name" --format md >"$out/summary.md" || status=$?
printf '\n%s runs per side, alternated; %s s in all.\n' "$repeats" "$(( $(date +%s) - started ))" >>"$out/summary.md"
cat "$out/summary.md"
exit $status
