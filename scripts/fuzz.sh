#!/usr/bin/env bash
# Builds the libFuzzer harnesses (Fuzz/*.swift with the module they test, outside SwiftPM,
# because libFuzzer brings its own main) and runs each target for SECONDS seconds, starting
# from the committed seed corpus in Tests/Fuzz/<target>/. New interesting inputs go to
# .build-fuzz/corpus-<target>/ (not committed); a crash or a violated property stops with
# the input saved under .build-fuzz/artifacts/ and exit 1.
# Usage: scripts/fuzz.sh [SECONDS] [target...]   (default 5 s, all targets)
set -euo pipefail
seconds=${1:-5}; shift || true
out=.build-fuzz
mkdir -p "$out/artifacts"
swiftc=$(command -v swiftc)
build() {  # name, module name, sources...
  local name=$1 module=$2; shift 2
  local binary="$out/$name"
  local newest
  newest=$(ls -t "$@" | head -1)
  if [ ! -x "$binary" ] || [ "$newest" -nt "$binary" ]; then
    echo "fuzz: building $name"
    "$swiftc" -O -sanitize=fuzzer,address -parse-as-library -module-name "$module" "$@" -o "$binary" 2>&1 \
      | { grep -v -e "ld.gold: warning: Cannot export local symbol" -e "^$" || true; }
    [ -x "$binary" ] || { echo "fuzz: build of $name failed" >&2; exit 1; }
  fi
}
build http1-fuzz HTTP1 Sources/HTTP1/*.swift Fuzz/HTTP1Fuzz.swift
build mongo-fuzz MongoWire Sources/MongoWire/Wire/*.swift Sources/MongoWire/BSON/*.swift Sources/MongoWire/Client/BSONView.swift Fuzz/MongoWireFuzz.swift

targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(response request chunked mongo)
status=0
for target in "${targets[@]}"; do
  case $target in
    response|request|chunked) binary=$out/http1-fuzz ;;
    mongo) binary=$out/mongo-fuzz ;;
    *) echo "fuzz: unknown target $target" >&2; exit 2 ;;
  esac
  mkdir -p "$out/corpus-$target"
  log="$out/$target.log"
  if VOLLEY_FUZZ_TARGET=$target "$binary" -max_total_time="$seconds" -print_final_stats=1 \
       -artifact_prefix="$out/artifacts/$target-" "$out/corpus-$target" "Tests/Fuzz/$target" >"$log" 2>&1; then
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    echo "fuzz: $target: ${runs:-?} executions in ${seconds}s, no crash"
  else
    echo "fuzz: $target FAILED; see $log and $out/artifacts/" >&2
    grep -E "violated|ERROR|SUMMARY" "$log" >&2 || tail -20 "$log" >&2
    status=1
  fi
done
exit $status
