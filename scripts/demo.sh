#!/usr/bin/env bash
# make demo: the PyCon 2017 talk's table in its quick form. volley bench starts the built-in
# mongod and each reference server itself (sync and async, `/` and `/fetch`), drives the load,
# stops everything, and writes the result and its reports. About 15 s on two cores.
set -uo pipefail
BIN=${1:-.build/release/volley}
log=$(mktemp)
trap 'rm -f "$log"' EXIT
"$BIN" bench scenarios/seed-pycon-2017.yaml --quick --repeat 1 --report --out results | tee "$log"
code=${PIPESTATUS[0]}
result=$(sed -n 's/^result: //p' "$log" | tail -1)
report=$(sed -n 's/^report: //p' "$log" | tail -1)
echo
if [ -n "$result" ]; then
    echo "result:      $result"
    [ -n "$report" ] && echo "HTML report: $report" && echo "Markdown:    ${report%.html}.md"
    echo "full run:    $BIN bench scenarios/seed-pycon-2017.yaml   (-t12 -c400 -d10s per variant)"
    echo "compare:     $BIN compare $result NEW.json"
else
    echo "demo: no result was written (exit $code)" >&2
fi
exit "$code"
