# Volley: `make demo` and `make test` each set everything up on a fresh Debian machine.
SWIFT ?= swift
BIN := .build/release/volley

.PHONY: deps build test demo bench coverage clean

deps:
	@scripts/deps.sh

build: deps
	$(SWIFT) build -c release --product volley

test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

coverage: deps
	$(SWIFT) build --build-tests --enable-code-coverage
	$(SWIFT) test --skip-build --enable-code-coverage
	@scripts/coverage.sh

demo: build
	@scripts/demo.sh $(BIN)

bench: build
	@scripts/bench.sh $(BIN)

clean:
	rm -rf .build
