# Volley: `make demo` and `make test` each set everything up on a fresh Debian machine.
SWIFT ?= swift
BIN := .build/release/volley

.PHONY: deps build test test-asan test-tsan demo perf-check bench coverage fuzz clean

# Seconds each fuzz target runs: `make fuzz SECONDS=600`; `make test` runs each briefly.
SECONDS ?= 60
TEST_FUZZ_SECONDS ?= 5

deps:
	@scripts/deps.sh

build: deps
	$(SWIFT) build -c release --product volley

test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build
	scripts/fuzz.sh $(TEST_FUZZ_SECONDS)

# The whole suite under AddressSanitizer / ThreadSanitizer, each in its own build folder.
test-asan: deps
	$(SWIFT) build --build-tests --sanitize=address --scratch-path .build-asan
	LSAN_OPTIONS=suppressions=$(CURDIR)/scripts/lsan.supp $(SWIFT) test --skip-build --sanitize=address --scratch-path .build-asan

test-tsan: deps
	$(SWIFT) build --build-tests --sanitize=thread --scratch-path .build-tsan
	TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" $(SWIFT) test --skip-build --sanitize=thread --scratch-path .build-tsan

coverage: deps
	$(SWIFT) build --build-tests --enable-code-coverage --scratch-path .build-cov
	$(SWIFT) test --skip-build --enable-code-coverage --scratch-path .build-cov
	@scripts/coverage.sh .build-cov

fuzz: deps
	scripts/fuzz.sh $(SECONDS)

# The PyCon 2017 table (sync vs async, / and /fetch on the built-in mongod), quick form, with reports.
demo: build
	@scripts/demo.sh $(BIN)

# scenarios/ci-smoke.yaml: both server models, under a minute; a failed threshold fails the target.
perf-check: build
	$(BIN) bench scenarios/ci-smoke.yaml --repeat 1

bench: build
	@scripts/bench.sh $(BIN)

clean:
	rm -rf .build .build-fuzz .build-asan .build-tsan .build-cov
