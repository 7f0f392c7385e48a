# From a fresh clone, `make demo` and `make test` each bootstrap what they need:
# uv (pinned) in .tools/venv, then the locked environment in .venv.
SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DELETE_ON_ERROR:

UV_VERSION := 0.13.9
UV := .tools/venv/bin/uv
BIN := .venv/bin
SYNCED := .venv/.synced
# The package's C speedups, built in place for .venv's Python (pure Python without them).
NATIVE := .venv/.native
export UV_PYTHON_DOWNLOADS := never

# Typed code; bench/ is typed in its own environment, where its peers are installed.
TYPED := src tests integration_tests devtools examples
BENCH_VENV := .cache/bench-venv
BENCH_SYNCED := $(BENCH_VENV)/.synced
# Unit and integration runs add up to one coverage figure, judged once, on the second run.
COV_FIRST := --cov --cov-report= --cov-fail-under=0
COV_LAST := --cov --cov-append --cov-report=term-missing

.PHONY: test unit integration demo bench twins fetch-dynamodb-local clean example load

test: $(NATIVE)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy --strict $(TYPED)
	$(BIN)/python -m devtools.twins --check
	$(BIN)/pytest tests $(COV_FIRST)
	$(BIN)/pytest integration_tests $(COV_LAST)
	DYNAMODB_TRANSPORT=lean $(BIN)/pytest integration_tests/dynamodb integration_tests/adversarial -p no:cacheprovider
	DYNAMODB_SERVICE_NATIVE=0 $(BIN)/python -m devtools.sync_only

unit: $(NATIVE)
	$(BIN)/pytest tests

integration: $(NATIVE)
	$(BIN)/pytest integration_tests

demo: $(NATIVE)
	$(BIN)/python -m devtools.demo

bench: $(BENCH_SYNCED) $(NATIVE)
	$(BENCH_VENV)/bin/mypy --strict bench
	$(BENCH_VENV)/bin/python -m bench.run
	$(BENCH_VENV)/bin/python -m bench.overhead
	$(BENCH_VENV)/bin/python -m bench.wake

# The orders API example on a DynamoDB Local of its own; Ctrl-C stops both.
example: $(NATIVE)
	$(BIN)/python -m examples.orders_api

# The example and the same routes on aioboto3 under 64 connections: figures, not a test.
load: $(BENCH_SYNCED) $(NATIVE)
	$(BENCH_VENV)/bin/python -m bench.load

# DynamoDBService and AsyncDynamoDBService are written from the core's operations.
twins: $(SYNCED)
	$(BIN)/python -m devtools.twins

fetch-dynamodb-local: $(SYNCED)
	$(BIN)/python -m devtools.dynamodb_local fetch

clean:
	rm -rf .venv .tools .cache .mypy_cache .ruff_cache .pytest_cache .coverage htmlcov
	find . -name __pycache__ -type d -prune -exec rm -rf {} +

# Bootstrap: file targets, so a second run does nothing.
$(UV):
	python3 -m venv .tools/venv
	.tools/venv/bin/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(SYNCED): $(UV) uv.lock pyproject.toml
	$(UV) sync --frozen --all-groups --all-extras
	touch $@

$(NATIVE): $(SYNCED) $(wildcard src/services/dynamodb/_native/*.c) devtools/native.py
	$(BIN)/python -m devtools.native
	touch $@

# The bench peers' own environment: resolved fresh, never locked with the project.
$(BENCH_SYNCED): $(UV) bench/requirements.txt
	$(UV) venv --quiet --allow-existing --python python3 $(BENCH_VENV)
	$(UV) pip install --quiet --python $(BENCH_VENV)/bin/python -r bench/requirements.txt
	touch $@
