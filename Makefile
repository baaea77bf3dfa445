# Paygate: `make run` serves the app on http://localhost:8000; `make test` runs the whole suite.
SHELL := /bin/bash
# Prefer a Python 3.12 that really runs (pyenv shims may exist without a selected version).
PYTHON ?= $(shell for p in $$(ls -d $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.12*/bin/python3.12 2>/dev/null) python3.12 python3; do \
	$$p -c 'import sys; assert sys.version_info >= (3, 11)' 2>/dev/null && { echo $$p; break; }; done)
VENV := .venv
BIN := $(VENV)/bin
BUN := .tools/node_modules/.bin/bun
export REFLEX_DIR ?= $(CURDIR)/.tools/reflex
export REFLEX_TELEMETRY_ENABLED := false
export REFLEX_CHECK_LATEST_VERSION := false
export PATH := $(CURDIR)/.tools/node_modules/.bin:$(CURDIR)/$(BIN):$(PATH)

.PHONY: run dev test test-fast lint bench services deps migrate seed clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

$(BUN):
	@echo "Installing bun into .tools/ (once)..."
	@npm install --no-save --no-audit --no-fund --loglevel=error --prefix .tools bun@1.4.5 >/dev/null

# The npm `standardwebhooks` package, for the Node webhook receiver example and its tests.
NODE_KIT := .tools/node-kit/node_modules/standardwebhooks
$(NODE_KIT):
	npm install --no-save --no-audit --no-fund --prefix .tools/node-kit standardwebhooks@1.3.0

deps: $(VENV)/.installed $(BUN) $(NODE_KIT)

migrate: deps
	$(BIN)/alembic upgrade head

seed: migrate
	$(BIN)/python -m paygate_app.core.cli seed

# Only what serving needs (the Node webhook kit is for tests); scripts/run.sh prints one line when ready.
run: $(VENV)/.installed $(BUN)
	@scripts/run.sh

dev: deps migrate
	$(BIN)/reflex run --env dev

services:
	scripts/ensure_services.sh

test: deps services
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

test-fast: deps services
	$(BIN)/python -m pytest -q -m "not e2e and not slow" $(PYTEST_ARGS)

lint: deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: deps services
	$(BIN)/python -m bench.run

clean:
	rm -rf .web .web-* .states paygate.db*
