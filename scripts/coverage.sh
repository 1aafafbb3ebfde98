#!/usr/bin/env bash
# Line coverage of the libraries (Sources/, without the thin executable), from the profile
# `swift test --enable-code-coverage` leaves behind. Prints llvm-cov's per-file report and the total.
set -euo pipefail
scratch=${1:-.build}
bin_dir=$(swift build --show-bin-path --scratch-path "$scratch")
profdata="$bin_dir/codecov/default.profdata"
tests="$bin_dir/volleyPackageTests.xctest"
[ -f "$profdata" ] || { echo "coverage: no $profdata; run swift test --enable-code-coverage first" >&2; exit 2; }
# The toolchain's own llvm-cov reads the profile format its compiler writes.
llvm_cov=$(dirname "$(readlink -f "$(command -v swift)")")/llvm-cov
"$llvm_cov" report "$tests" -instr-profile "$profdata" \
  -ignore-filename-regex='(\.build|Tests|Sources/volley/)' | tail -n +1
