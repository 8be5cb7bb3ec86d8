# TradeGuard — the two commands: `make run` and `make check`.
# Everything else is a helper target.

BUILD       ?= build
CHECK_BUILD ?= build-check
ASAN_BUILD  ?= build-asan
FUZZ_BUILD  ?= build-fuzz
DEMO_DIR    ?= demo
LISTEN      ?= 127.0.0.1:8443
JOBS        ?= $(shell nproc)
PYTHON      ?= /usr/bin/python3
CMAKE_FLAGS ?=

.PHONY: all build run demo check deps test-deps unit integration asan scan fuzz-smoke fuzz bench clean

all: build

build:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS) >/dev/null
	cmake --build $(BUILD) -j $(JOBS)

deps:
	scripts/install-deps

test-deps:
	scripts/install-deps --test

demo: build
	@if [ ! -f $(DEMO_DIR)/tradeguard.ini ]; then \
		$(BUILD)/bin/tradeguard init --dir $(DEMO_DIR) --listen $(LISTEN) --demo; \
	else \
		echo "Using the existing demo directory $(DEMO_DIR)/ (remove it to start afresh)."; \
	fi

run: deps demo
	@echo "TradeGuard listens on https://$(LISTEN)/ (self-signed certificate: $(DEMO_DIR)/tls/cert.pem)"
	@echo "Sign in with a browser at https://localhost:$(lastword $(subst :, ,$(LISTEN)))/ (passkeys need the name localhost)"
	@echo "Log in:  curl --cacert $(DEMO_DIR)/tls/cert.pem https://$(LISTEN)/v1/auth/login -H 'Content-Type: application/json' -d @$(DEMO_DIR)/demo-login.json"
	exec $(BUILD)/bin/tradeguardd --config $(DEMO_DIR)/tradeguard.ini

# The whole suite: unit + black-box tests, again under ASan+UBSan, the
# source scan and a short fuzz run.  CI calls this (.ci/run).
check: test-deps
	$(MAKE) unit integration e2e BUILD_DIR=$(CHECK_BUILD) SAN=OFF
	$(MAKE) unit integration e2e BUILD_DIR=$(ASAN_BUILD) SAN=ON
	$(MAKE) scan
	$(MAKE) fuzz-smoke
	@echo "make check: all stages passed"

BUILD_DIR ?= $(CHECK_BUILD)
SAN ?= OFF

$(BUILD_DIR)/.configured:
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=Debug -DTG_TESTING=ON -DTG_WERROR=ON -DTG_SANITIZE=$(SAN) >/dev/null
	touch $@

unit: $(BUILD_DIR)/.configured
	cmake --build $(BUILD_DIR) -j $(JOBS)
	cd $(BUILD_DIR) && ctest --output-on-failure -L unit -j $(JOBS)

integration: $(BUILD_DIR)/.configured
	cmake --build $(BUILD_DIR) -j $(JOBS)
	TG_BIN=$(abspath $(BUILD_DIR))/bin $(PYTHON) -m pytest -q -p no:cacheprovider tests/integration

scan:
	scripts/scan

fuzz-smoke:
	scripts/fuzz --seconds 20

fuzz:
	scripts/fuzz --seconds 600

bench: build
	scripts/install-deps --bench
	bench/run-all

clean:
	rm -rf $(BUILD) $(CHECK_BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)

# Browser tests of the sign-in and account pages: headless Chromium driven by
# playwright-core (tests/e2e; packages from `make test-deps`).  Missing
# Chromium or Node packages fail here instead of skipping.
.PHONY: e2e
e2e: $(BUILD_DIR)/.configured
	cmake --build $(BUILD_DIR) -j $(JOBS)
	TG_E2E_REQUIRED=1 TG_BIN=$(abspath $(BUILD_DIR))/bin $(PYTHON) -m pytest -q -p no:cacheprovider tests/e2e
