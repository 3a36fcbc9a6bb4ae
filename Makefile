# Two commands on a fresh machine: `make run` (the hub with demo data) and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# The test database has its own port and data directory, so it never touches `make run`'s.
TEST_ENV := HUB_ENV=test HUB_NEO4J_URI=bolt://127.0.0.1:7688 HUB_NEO4J_HOME=var/neo4j-test
RUN_ENV := HUB_ENV=dev
DEMO_CHILDREN ?= 400

.PHONY: install lock run test lint db-stop clean system-deps console-deps peer-deps \
	http-audit-deps

install: $(VENV)/.installed

# Exactly the versions and files of requirements-dev.lock (hashes checked), then the hub itself.
$(VENV)/.installed: pyproject.toml requirements-dev.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q --require-hashes -r requirements-dev.lock
	$(BIN)/pip install -q --no-deps -e .
	touch $@

# After a change to pyproject.toml's dependencies: pins every package (and its hashes) anew;
# requirements.lock for the production image, requirements-dev.lock (with the tools) here.
LOCK := $(BIN)/uv pip compile pyproject.toml --generate-hashes --python-version 3.11 --quiet \
  --custom-compile-command "make lock"
lock: install
	$(BIN)/pip install -q uv
	$(LOCK) -o requirements.lock
	$(LOCK) --extra dev -o requirements-dev.lock

# The console's npm packages, exactly as package-lock.json pins them (ECharts, copied into
# console/static/vendor for the hub to serve; axe-core and playwright-core for the browser
# tests). Without Node the console still serves, without charts, and its browser test skips.
console-deps: console/node_modules/.installed

console/node_modules/.installed: console/package.json console/package-lock.json
	@if command -v npm >/dev/null; then \
	  if (cd console && npm ci --no-audit --no-fund --loglevel=error && npm run --silent build); \
	  then touch $@; else echo "npm ci failed: the console's browser tests will skip"; fi; \
	else echo "npm not found: the console has no charts and its browser tests skip"; fi

# The peer of `hub bench peer` (bench/peer: the Neo4j GraphQL Library on Apollo Server), exactly
# as its package-lock.json pins it. Without npm its end-to-end test skips; a failed `npm ci` is
# left for the test to meet (it runs `npm ci` again and fails loudly).
peer-deps: bench/peer/node_modules/.installed

bench/peer/node_modules/.installed: bench/peer/package.json bench/peer/package-lock.json
	@if command -v npm >/dev/null; then \
	  if (cd bench/peer && npm ci --no-audit --no-fund --loglevel=error); \
	  then touch $@; else echo "npm ci failed in bench/peer: the peer benchmark test will fail"; fi; \
	else echo "npm not found: the peer benchmark test skips"; fi

# The graphql-http audit suite (tests/http_audit), exactly as its package-lock.json pins it, run
# by tests/test_http_audit.py against a live hub. Without npm that test skips; a failed `npm ci`
# is left for the test to meet (it runs `npm ci` again and fails loudly).
http-audit-deps: tests/http_audit/node_modules/.installed

tests/http_audit/node_modules/.installed: tests/http_audit/package.json \
    tests/http_audit/package-lock.json
	@if command -v npm >/dev/null; then \
	  if (cd tests/http_audit && npm ci --no-audit --no-fund --loglevel=error); \
	  then touch $@; else echo "npm ci failed in tests/http_audit: the audit test will fail"; fi; \
	else echo "npm not found: the graphql-http audit test skips"; fi

run: install console-deps
	$(RUN_ENV) $(BIN)/hub db start
	$(RUN_ENV) $(BIN)/hub db migrate
	$(RUN_ENV) $(BIN)/hub demo-data --children $(DEMO_CHILDREN) --seed 1 --if-empty
	$(RUN_ENV) $(BIN)/hub clients demo
	$(RUN_ENV) $(BIN)/hub users demo
	$(RUN_ENV) $(BIN)/hub serve

lint: install
	$(BIN)/ruff check hub shell devtools schema connectors auth audit console notify tests
	$(BIN)/mypy

# What the report and console tests drive: LibreOffice (workbooks), Chromium (charts, pages),
# CJK fonts. Installed once from Debian's packages when missing and apt is usable (CI runs as
# root); the tests that need them skip with a reason where they cannot be had.
system-deps:
	@if ! command -v chromium >/dev/null || ! command -v soffice >/dev/null \
	    || ! fc-list 2>/dev/null | grep -qi "noto.*cjk"; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	      libreoffice-calc-nogui chromium fonts-noto-cjk >/dev/null) \
	    || echo "system packages could not be installed; their tests will skip"; \
	  else echo "not root: skipping LibreOffice/Chromium install; their tests will skip"; fi; \
	fi

test: install lint system-deps console-deps peer-deps http-audit-deps
	$(TEST_ENV) $(BIN)/hub db start
	$(TEST_ENV) $(BIN)/pytest; rc=$$?; $(TEST_ENV) $(BIN)/hub db stop; exit $$rc

db-stop: install
	$(RUN_ENV) $(BIN)/hub db stop

clean:
	rm -rf $(VENV) deploy/neo4j/target .mypy_cache .ruff_cache .pytest_cache .hypothesis \
	  console/node_modules console/static/vendor bench/peer/node_modules \
	  tests/http_audit/node_modules
